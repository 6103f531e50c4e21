import { randomUUID } from 'node:crypto';
import type { EventMetadata } from '@casework/contracts';
import t from 'tap';
import { municipalitiesOf, referencesOf, visibleTo } from '../src/publicEvents.js';

/** Issue 20: what an integrator is told of an event, and whom an event concerns. */

const metadata = (municipality?: string): EventMetadata => ({
  specversion: '1.0',
  id: randomUUID(),
  type: 'casework.placement.Transferred.v1',
  source: 'placement',
  subject: 'placements-x',
  time: '2026-11-16T08:30:00.000Z',
  correlationid: 'c',
  ...(municipality ? { municipality: municipality as EventMetadata['municipality'] } : {}),
});

t.test('references only: ids, service type, municipality, month, version; nothing else', async (t) => {
  t.same(
    referencesOf({
      clientId: 'c1',
      birthDate: '1951-02-03',
      sex: 'female',
      monthlyAmount: { amountMinor: 40000, currency: 'EUR' },
      serviceType: 'protected_housing',
      from: { placementId: 'p1', siteId: 's1', municipality: 'BLG01', reason: 'own request' },
      criteria: [{ factId: 'f1' }],
      month: '2026-11',
      version: 3,
    }),
    {
      clientId: 'c1',
      serviceType: 'protected_housing',
      from: { placementId: 'p1', siteId: 's1', municipality: 'BLG01' },
      month: '2026-11',
      version: 3,
    },
  );
});

t.test('a transfer concerns both municipalities; an event naming none, national callers only', async (t) => {
  const transfer = {
    data: { clientId: 'c1', from: { municipality: 'BLG01' }, to: { municipality: 'MON29' } },
    metadata: metadata(),
  };
  t.same(municipalitiesOf(transfer), ['BLG01', 'MON29']);
  t.ok(visibleTo({ kind: 'municipalities', codes: ['MON29'] }, transfer), 'the receiving municipality');
  t.ok(visibleTo({ kind: 'municipalities', codes: ['BLG01'] }, transfer), 'the leaving one');
  t.notOk(visibleTo({ kind: 'municipalities', codes: ['SOF46'] }, transfer), 'no other');
  const nowhere = { data: { clientId: 'c1' }, metadata: metadata() };
  t.notOk(visibleTo({ kind: 'municipalities', codes: ['BLG01'] }, nowhere));
  t.ok(visibleTo({ kind: 'national' }, nowhere));
  const decided = { data: { clientId: 'c1' }, metadata: metadata('BLG01') };
  t.same(municipalitiesOf(decided), ['BLG01'], 'where it was decided, from its envelope');
  const national = { data: { ruleSetId: 'r', municipality: null }, metadata: metadata() };
  t.ok(visibleTo({ kind: 'municipalities', codes: ['BLG01'] }, national), 'a national record: everyone');
});

t.test('each end of a transfer sees its own part of it, not the other', async (t) => {
  const data = {
    clientId: 'c1',
    from: { placementId: 'p1', siteId: 's1', municipality: 'BLG01' },
    to: { placementId: 'p2', siteId: 's2', municipality: 'MON29' },
  };
  t.same(referencesOf(data, { kind: 'municipalities', codes: ['BLG01'] }), {
    clientId: 'c1',
    from: { placementId: 'p1', siteId: 's1', municipality: 'BLG01' },
  });
  t.same(referencesOf(data, { kind: 'municipalities', codes: ['MON29'] }), {
    clientId: 'c1',
    to: { placementId: 'p2', siteId: 's2', municipality: 'MON29' },
  });
  t.same(Object.keys(referencesOf(data)).sort(), ['clientId', 'from', 'to'], 'both, nationally');
  t.same(
    referencesOf({ applicationId: 'a', offerId: 'o', placementId: 'p' }),
    { placementId: 'p' },
    'no unreadable ids',
  );
});
