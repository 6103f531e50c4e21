import { MUNICIPALITY_CODES, MunicipalityCode, OBLAST_CODES, OblastCode } from '@casework/contracts';
import t from 'tap';
import { municipalities, oblasts } from '../src/index.js';

/** contracts keeps a copy of the codes (it depends on nothing of ours); it must be this data's. */
t.test("contracts' code lists are the reference data's", async (t) => {
  const hint = 'update packages/contracts/src/placeCodes.ts from data/*.csv';
  t.same([...MUNICIPALITY_CODES].sort(), municipalities.map((m) => m.code).sort(), hint);
  t.same([...OBLAST_CODES].sort(), oblasts.map((o) => o.iso).sort(), hint);
});

t.test('the code schemas accept every place of the reference data and nothing else', async (t) => {
  t.ok(municipalities.every((m) => MunicipalityCode.safeParse(m.code).success));
  t.ok(oblasts.every((o) => OblastCode.safeParse(o.iso).success));
  for (const code of ['XXX99', 'ZZZ00', 'BLG99', 'SOF00']) {
    t.match(MunicipalityCode.safeParse(code).error?.issues, [{ message: /not a municipality/ }], code);
  }
  t.match(OblastCode.safeParse('BG-29').error?.issues, [{ message: /ISO 3166-2:BG/ }]);
  t.match(OblastCode.safeParse('BG-00').error?.issues, [{ message: /ISO 3166-2:BG/ }]);
  t.match(MunicipalityCode.safeParse('blg01').error?.issues, [{ message: /EKATTE/ }]);
});
