import { MunicipalityCode, OblastCode, ServiceTypeCode } from '@casework/contracts';
import t from 'tap';
import { findMunicipality, municipalities, municipalitiesOf, oblasts, serviceTypes } from '../src/index.js';

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
