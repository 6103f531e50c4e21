import { MunicipalityCode, OblastCode, ServiceTypeCode } from '@casework/contracts';
import t from 'tap';
import {
  findMunicipality,
  fundingStandard,
  municipalities,
  municipalitiesOf,
  oblasts,
  serviceTypes,
} from '../src/index.js';

t.test('28 oblasts and 265 municipalities, every code well-formed and linked', async (t) => {
  t.equal(oblasts.length, 28);
  t.equal(municipalities.length, 265);
  t.equal(new Set(municipalities.map((m) => m.code)).size, 265, 'codes are unique');
  for (const o of oblasts) t.ok(OblastCode.safeParse(o.iso).success, o.iso);
  const isos = new Set(oblasts.map((o) => o.iso));
  t.ok(
    municipalities.every((m) => MunicipalityCode.safeParse(m.code).success && isos.has(m.oblast)),
    'each municipality has a valid code and a known oblast',
  );
  t.ok(
    oblasts.every((o) => municipalitiesOf(o.iso).length > 0),
    'every oblast has municipalities',
  );
});

t.test('known places', async (t) => {
  t.match(findMunicipality('BLG01'), { nameEn: 'Bansko', oblast: 'BG-01' });
  t.match(findMunicipality('MON29'), { nameEn: 'Montana', oblast: 'BG-12' });
  t.equal(findMunicipality('XXX99'), undefined);
});

t.test('the service catalogue covers every code once', async (t) => {
  t.same(serviceTypes.map((s) => s.code).sort(), [...ServiceTypeCode.options].sort());
});

t.test(
  'a funding standard for every state-delegated service type in each year of the file, and no other',
  async (t) => {
    const delegated = serviceTypes.filter((s) => s.defaultFunding === 'state_delegated').map((s) => s.code);
    for (const year of [2025, 2026]) {
      t.same(
        serviceTypes.map((s) => s.code).filter((code) => fundingStandard(code, year) !== undefined),
        delegated,
        `${year}`,
      );
    }
    t.equal(
      fundingStandard('protected_housing', 2025)?.perPlace.currency,
      'BGN',
      'set in leva before the euro',
    );
    t.equal(fundingStandard('protected_housing', 2026)?.perPlace.currency, 'EUR');
    t.equal(fundingStandard('protected_housing', 2019), undefined, 'a year with no standard has none');
  },
);
