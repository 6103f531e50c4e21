import t from 'tap';
import type { InputRow } from '../src/domain/clientFacts.js';
import { touches, unchangedSince } from '../src/domain/reassessment.js';

// Given what the last statement's run knew, when a later run considers an earlier month, then it is
// assessed again only if an input learned since touches it or a site's cost setting moved.

const site = '0193a2b4-0000-7000-8000-000000000001';
const row = (seq: number, type: string, data: Record<string, unknown>) =>
  ({ seq, eventId: `e${seq}`, type, data }) as unknown as InputRow;
const admitted = row(1, 'Admitted', { placementId: 'p', siteId: site, on: '2026-03-04' });
const income = row(2, 'IncomeDeclared', { factId: 'f', validFrom: '2026-01-01', monthlyAmount: {} });
/** The snapshot of the run asking (its runs before kept none: `seq` decides). */
const NOW = '500:500:';

t.test(
  'an input touches the months it can change: a date in it before the month ends, or no date',
  async (t) => {
    const discharged = row(3, 'Discharged', { placementId: 'p', on: '2026-09-10' });
    t.notOk(touches(discharged, '2026-08'), 'a discharge in September cannot change August');
    t.ok(touches(discharged, '2026-09'));
    t.ok(touches(discharged, '2026-10'));
    t.ok(
      touches(row(4, 'FactRetracted', { factId: 'f', kind: 'income' }), '2024-01'),
      'undated: every month',
    );
    t.ok(
      touches(
        row(5, 'ClientsUnmerged', { survivorId: 's', mergedId: 'm', unmergedOn: '2027-02-03' }),
        '2026-12',
      ),
      'an unmerge in February changes December: whose stays they were',
    );
  },
);

t.test('no statement before: every month is assessed', async (t) => {
  t.notOk(unchangedSince(undefined, [admitted, income], { [site]: 1 }, NOW)('2026-05'));
});

t.test('nothing learned, the same site costs: the month stands', async (t) => {
  const unchanged = unchangedSince(
    { knownThrough: 2, siteCostVersions: { [site]: 1 } },
    [admitted, income],
    {
      [site]: 1,
    },
    NOW,
  );
  t.ok(unchanged('2026-05'));
  t.ok(unchanged('2026-09'));
});

t.test('a second income from July: July on are assessed again, June stands', async (t) => {
  const corrected = row(3, 'IncomeDeclared', { factId: 'g', validFrom: '2026-07-01' });
  const unchanged = unchangedSince(
    { knownThrough: 2, siteCostVersions: { [site]: 1 } },
    [admitted, income, corrected],
    { [site]: 1 },
    NOW,
  );
  t.ok(unchanged('2026-06'));
  t.notOk(unchanged('2026-07'));
  t.notOk(unchanged('2026-08'));
});

t.test('the first income corrected to start in December: every month is assessed again', async (t) => {
  const corrected = row(3, 'IncomeDeclared', { factId: 'g', supersedes: 'f', validFrom: '2026-12-01' });
  const unchanged = unchangedSince(
    { knownThrough: 2, siteCostVersions: { [site]: 1 } },
    [admitted, income, corrected],
    { [site]: 1 },
    NOW,
  );
  t.notOk(unchanged('2026-05'), 'May had the income the correction takes back');
});

t.test("a site's cost set again since: every month is assessed again", async (t) => {
  const unchanged = unchangedSince(
    { knownThrough: 2, siteCostVersions: { [site]: 1 } },
    [admitted, income],
    {
      [site]: 2,
    },
    NOW,
  );
  t.notOk(unchanged('2026-05'));
});

t.test('a new site (a transfer learned since) is an input learned: its months are assessed', async (t) => {
  const other = '0193a2b4-0000-7000-8000-000000000002';
  const transferred = row(3, 'Transferred', { on: '2026-08-15', from: {}, to: { siteId: other } });
  const unchanged = unchangedSince(
    { knownThrough: 2, siteCostVersions: { [site]: 1 } },
    [admitted, income, transferred],
    { [site]: 1, [other]: 0 },
    NOW,
  );
  t.ok(unchanged('2026-07'));
  t.notOk(unchanged('2026-08'));
});
