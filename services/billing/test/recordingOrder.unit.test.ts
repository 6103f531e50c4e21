import { addDays, eur, type Month, type TariffBody } from '@casework/contracts';
import fc from 'fast-check';
import t from 'tap';
import { paymentReferenceFor } from '../src/bank/paymentReference.js';
import { type Account, type AccountEvent, accountDecider } from '../src/domain/account.js';
import { assessMonth, type Lookups } from '../src/domain/assessMonth.js';
import { foldInputs, type InputRow } from '../src/domain/clientFacts.js';
import { assessStatement } from '../src/domain/statementAssessment.js';

// Property: however billing learns a client's events (placement's in their order, intake's in theirs,
// interleaved, some only months late, some written long before they commit, so numbered before inputs
// a run read although that run did not see them), once a run has known them all, every month's charge
// (its line plus the adjustments raised since) is the fee assessed with full knowledge, to the cent.
// Each month is stated by the run after it ends and then closed, as an officer would; the last run
// states July. A run reads the inputs committed before it, in a snapshot modelled on PostgreSQL's.

const municipality = 'BLG01';
const clientId = '0193a2b4-0000-7000-8000-00000000c11e';
const placementId = '0193a2b4-0000-7000-8000-0000000000a1';
const siteId = '0193a2b4-0000-7000-8000-0000000000b1';
const months: Month[] = ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07'];

const body: TariffBody = {
  fee: { kind: 'income_share', basisPoints: 7000 },
  groupFees: [],
  absenceExemptAfterDays: 3,
  fullCostRule: null,
  stateShareBasisPoints: 10_000,
};
const lookups: Lookups = {
  tariff: () => ({ tariffId: 'protected_housing:national', version: 1, body }),
  cost: () => ({ monthlyCost: eur(90_000) }),
  respite: () => ({ freeDaysPerYear: 14, disabilityOverPercent: 90 }),
  funding: () => 'state_delegated',
};

type Input = { type: string; data: Record<string, unknown> };
const day = (n: number) => addDays('2026-01-01', n);

/** A client's stay and incomes: admitted in January or February, maybe away, maybe discharged, maybe an income corrected. */
const story = fc
  .record({
    admittedOn: fc.integer({ min: 0, max: 58 }),
    away: fc.option(
      fc.record({ after: fc.integer({ min: 1, max: 90 }), days: fc.integer({ min: 1, max: 9 }) }),
      {
        nil: undefined,
      },
    ),
    dischargedAfter: fc.option(fc.integer({ min: 1, max: 150 }), { nil: undefined }),
    income: fc.integer({ min: 20_000, max: 120_000 }),
    correction: fc.option(
      fc.record({ from: fc.integer({ min: -31, max: 170 }), amount: fc.integer({ min: 0, max: 120_000 }) }),
      { nil: undefined },
    ),
  })
  .map((s) => {
    const admitted = day(s.admittedOn);
    const placement: Input[] = [
      {
        type: 'Admitted',
        data: {
          clientId,
          placementId,
          siteId,
          serviceType: 'protected_housing',
          kind: 'residential',
          municipality,
          on: admitted,
          basis: 'offer',
        },
      },
    ];
    let last = admitted;
    if (s.away) {
      const from = addDays(admitted, s.away.after);
      const returnedOn = addDays(from, s.away.days);
      placement.push(
        { type: 'AbsenceStarted', data: { clientId, placementId, absenceId: 'ab', from, kind: 'holiday' } },
        { type: 'AbsenceEnded', data: { clientId, placementId, absenceId: 'ab', from, returnedOn } },
      );
      last = returnedOn;
    }
    if (s.dischargedAfter !== undefined)
      placement.push({
        type: 'Discharged',
        data: { clientId, placementId, on: addDays(last, s.dischargedAfter), reason: 'own_request' },
      });
    const intake: Input[] = [
      { type: 'ClientRegistered', data: { clientId, birthDate: '1960-05-05', sex: 'female', municipality } },
      {
        type: 'IncomeDeclared',
        data: {
          clientId,
          factId: 'f1',
          validFrom: '2025-12-01',
          source: 'pension',
          monthlyAmount: eur(s.income),
        },
      },
    ];
    if (s.correction)
      intake.push({
        type: 'IncomeDeclared',
        data: {
          clientId,
          factId: 'f2',
          supersedes: 'f1',
          validFrom: day(s.correction.from),
          source: 'pension',
          monthlyAmount: eur(s.correction.amount),
        },
      });
    return { placement, intake };
  });

/** When billing learns each input: the run (0 = after January … 6 = after July), never before the one before it. */
const learning = (n: number) =>
  fc
    .array(fc.integer({ min: 0, max: 6 }), { minLength: n, maxLength: n })
    .map((runs) => runs.sort((a, b) => a - b));

/** How many runs before its commit each input was written (numbered): its consumer's transaction waited. */
const lags = (n: number) => fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n });

const scenario = story.chain((s) =>
  fc.record({
    story: fc.constant(s),
    placementRuns: learning(s.placement.length),
    intakeRuns: learning(s.intake.length),
    placementLags: lags(s.placement.length),
    intakeLags: lags(s.intake.length),
    // which source's input written in the same run billing happened to number first
    intakeFirst: fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
  }),
);

/**
 * When each of one source's inputs was written: `lag` runs before it committed, never before the one
 * before it was written, nor before an input committed earlier did commit (one consumer, in order).
 */
function writtenRuns(runs: readonly number[], lag: readonly number[]): number[] {
  const written: number[] = [];
  runs.forEach((run, i) => {
    let w = Math.max(written[i - 1] ?? 0, run - lag[i]!);
    if (i > 0 && runs[i - 1]! < run) w = Math.max(w, runs[i - 1]!);
    written.push(w);
  });
  return written;
}

/**
 * The snapshot of a run after `k`, as PostgreSQL's `pg_snapshot` text: an input's transaction (its `tx`,
 * numbered as its `seq`) is visible when it committed by then.
 */
function snapshotAt(k: number, rows: readonly { tx: string; run: number }[]): string {
  const committed = rows.filter((r) => r.run <= k).map((r) => Number(r.tx));
  const xmax = Math.max(0, ...committed) + 1;
  const running = rows.filter((r) => r.run > k && Number(r.tx) < xmax).map((r) => Number(r.tx));
  return `${Math.min(xmax, ...running)}:${xmax}:${running.sort((a, b) => a - b).join(',')}`;
}

t.test('any order of learning gives, in the end, the charges of full knowledge', async (t) => {
  let ids = 0;
  const id = () => `0193a2b4-0000-7000-8000-${String(++ids).padStart(12, '0')}`;
  fc.assert(
    fc.property(
      scenario,
      ({ story: s, placementRuns, intakeRuns, placementLags, intakeLags, intakeFirst }) => {
        const placementWritten = writtenRuns(placementRuns, placementLags);
        const intakeWritten = writtenRuns(intakeRuns, intakeLags);
        const tagged = [
          ...s.placement.map((e, i) => ({
            ...e,
            run: placementRuns[i]!,
            written: placementWritten[i]!,
            source: 0,
          })),
          ...s.intake.map((e, i) => ({ ...e, run: intakeRuns[i]!, written: intakeWritten[i]!, source: 1 })),
        ];
        const learned = tagged
          .map((e, i) => ({ ...e, i }))
          .sort(
            (a, b) =>
              a.written - b.written ||
              (a.source === b.source ? a.i - b.i : (a.source === 1) === intakeFirst[a.written] ? -1 : 1),
          )
          .map((e, n) => ({
            seq: n + 1,
            tx: String(n + 1),
            eventId: id(),
            type: e.type,
            data: e.data,
            run: e.run,
          }));

        let account: Account = accountDecider.initialState;
        for (const [k, month] of months.entries()) {
          const rows = learned.filter((r) => r.run <= k) as unknown as InputRow[];
          const facts = foldInputs(rows);
          const earlier = months.slice(0, k);
          const knownAsOf = snapshotAt(k, learned);
          const { lines, reassessed, siteCostVersions } = assessStatement({
            municipality,
            month,
            rows,
            knownAsOf,
            facts,
            account,
            lookback: earlier,
            closed: new Set(earlier),
            siteCostVersions: new Map([[siteId, 1]]),
            lookups,
          });
          const number = `${municipality}-${month.replace('-', '')}-000001`;
          const events = accountDecider.decide(
            {
              type: 'IssueStatement',
              clientId,
              municipality,
              month,
              statementId: id(),
              statementNumber: number,
              paymentReference: paymentReferenceFor(number),
              issuedOn: addDays(`${month}-01`, 40),
              dueOn: addDays(`${month}-01`, 50),
              lines,
              knownThrough: rows.length ? rows[rows.length - 1]!.seq : 0,
              knownAsOf,
              siteCostVersions,
              reassessed,
              adjustmentIds: Array.from({ length: 20 }, id),
            },
            account,
          );
          const issued = events.find((e) => e.type === 'StatementIssued');
          // as a run does: a client with nothing to state gets no statement
          if (!issued || (lines.length === 0 && issued.data.adjustments.length === 0)) continue;
          account = events.reduce<Account>((a, e) => accountDecider.evolve(a, e as AccountEvent), account);
        }

        const known = foldInputs(learned as unknown as InputRow[]);
        for (const month of months.slice(0, 6)) {
          const due = assessMonth(month, municipality, known, lookups).find(
            (l) => l.placementId === placementId,
          );
          const charged = account.charged[`${month} ${placementId}`]?.amount ?? 0;
          if (charged !== (due?.amount.amountMinor ?? 0))
            throw new Error(`${month}: charged ${charged}, full knowledge ${due?.amount.amountMinor ?? 0}`);
        }
      },
    ),
    { numRuns: 300 },
  );
  t.pass('300 stories, each learned in its own order');
});
