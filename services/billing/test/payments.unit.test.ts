import { randomUUID } from 'node:crypto';
import { type AssessmentLine, DomainError, eur, type ServiceTypeCode } from '@casework/contracts';
import { deciderSpec } from '@casework/testkit';
import fc from 'fast-check';
import t from 'tap';
import { paymentReferenceFor } from '../src/bank/paymentReference.js';
import {
  type Account,
  type AccountCommand,
  type AccountEvent,
  accountDecider,
  type RecordPayment,
} from '../src/domain/account.js';

// Given an account's statements, when payments are recorded, reversed or arrears reviewed, then these
// events, every figure worked out by hand (euro cents).

const spec = deciderSpec(accountDecider);
const clientId = randomUUID();
const municipality = 'BLG01';

const line = (amount: number, serviceType: ServiceTypeCode, stateShare: number): AssessmentLine => ({
  placementId: randomUUID(),
  siteId: randomUUID(),
  serviceType,
  municipality,
  daysInMonth: 30,
  inService: 30,
  billable: 30,
  counted: [],
  exempted: [],
  tariff: null,
  fee: null,
  incomeFactIds: [],
  exemption: null,
  fullCost: null,
  fullMonth: eur(amount),
  amount: eur(amount),
  stateShare: eur(stateShare),
  capped: false,
  convertedFromBgn: false,
  events: [],
});

const stateOf = (events: AccountEvent[]): Account =>
  events.reduce(accountDecider.evolve, accountDecider.initialState);
const decided = (given: AccountEvent[], command: AccountCommand) =>
  accountDecider.decide(command, stateOf(given));

let numbered = 0;
/** `month`'s statement of one protected-housing line (state-funded) or day-centre line (municipal). */
function stated(given: AccountEvent[], month: string, amount: number, funded = true) {
  const number = `${municipality}-${month.replace('-', '')}-${String(++numbered).padStart(6, '0')}`;
  const [y, m] = month.split('-').map(Number) as [number, number];
  const next = `${m === 12 ? y + 1 : y}-${String((m % 12) + 1).padStart(2, '0')}`;
  const events = decided(given, {
    type: 'IssueStatement',
    clientId,
    municipality,
    month,
    statementId: randomUUID(),
    statementNumber: number,
    paymentReference: paymentReferenceFor(number),
    issuedOn: `${next}-02`,
    dueOn: `${next}-20`,
    lines: [funded ? line(amount, 'protected_housing', amount) : line(amount, 'day_centre_elderly', 0)],
    knownThrough: 1,
    knownAsOf: '3:3:',
    siteCostVersions: {},
    reassessed: [],
    adjustmentIds: [],
  });
  const issued = events.find((e) => e.type === 'StatementIssued')!;
  return { events: [...given, ...events], statementId: issued.data.statementId };
}

const pay = (statementId: string, cents: number, more: Partial<RecordPayment> = {}): RecordPayment => ({
  type: 'RecordPayment',
  paymentId: randomUUID(),
  statementId,
  amount: eur(cents),
  receivedOn: '2027-04-10',
  method: 'bank_transfer',
  bankLineKey: null,
  ...more,
});

const march = stated([], '2027-03', 60_000); // €600.00 due by 20 April

t.test('a part payment settles part of the statement', async (t) => {
  // €250.00 of €600.00: €350.00 still owed, no credit
  const p = pay(march.statementId, 25_000);
  spec(t)
    .given(march.events)
    .when(p)
    .then([
      {
        type: 'PaymentRecorded',
        data: {
          clientId,
          municipality,
          paymentId: p.paymentId,
          statementId: march.statementId,
          amount: eur(25_000),
          receivedOn: '2027-04-10',
          method: 'bank_transfer',
          bankLineKey: null,
          allocations: [{ statementId: march.statementId, amount: eur(25_000) }],
          toCredit: eur(0),
        },
      },
    ]);
  const after = stateOf([...march.events, ...decided(march.events, p)]);
  t.equal(after.statements[march.statementId]!.outstanding, 35_000);
  t.equal(after.credit, 0);
});

t.test('an overpayment is credit, set against the next statement', async (t) => {
  // €700.00 on €600.00: €100.00 credit; April €180.00 − €100.00 = €80.00 due, credit used up
  const paid = [...march.events, ...decided(march.events, pay(march.statementId, 70_000))];
  const recorded = paid.at(-1)!;
  t.strictSame(recorded.type === 'PaymentRecorded' && recorded.data.toCredit, eur(10_000));
  t.equal(stateOf(paid).credit, 10_000);
  const april = stated(paid, '2027-04', 18_000, false);
  const issued = april.events.find(
    (e) => e.type === 'StatementIssued' && e.data.statementId === april.statementId,
  );
  t.strictSame(issued?.type === 'StatementIssued' && [issued.data.creditApplied, issued.data.totalDue], [
    eur(10_000),
    eur(8_000),
  ]);
  t.equal(stateOf(april.events).credit, 0);
});

t.test('a payment for one statement goes on to the oldest still owed, then to credit', async (t) => {
  // March €600.00 and April €180.00 owed; €900.00 paid for April: April 180.00, March 600.00, credit 120.00
  const april = stated(march.events, '2027-04', 18_000);
  const events = decided(april.events, pay(april.statementId, 90_000));
  const [e] = events;
  const d = e?.type === 'PaymentRecorded' ? e.data : undefined;
  t.strictSame(d?.allocations, [
    { statementId: april.statementId, amount: eur(18_000) },
    { statementId: march.statementId, amount: eur(60_000) },
  ]);
  t.strictSame(d?.toCredit, eur(12_000));
});

t.test('the same bank line twice: recorded once', async (t) => {
  const first = pay(march.statementId, 10_000, { bankLineKey: 'BG80BNBG96611020345678:0001' });
  const once = [...march.events, ...decided(march.events, first)];
  spec(t)
    .given(once)
    .when(pay(march.statementId, 10_000, { bankLineKey: 'BG80BNBG96611020345678:0001' }))
    .then([]);
});

t.test(
  'refused: an unknown statement, a payment not in euro, nothing paid, a slip of the keyboard',
  async (t) => {
    const refused = (command: RecordPayment, code: string) =>
      t.throws(() => decided(march.events, command), { code }, code);
    refused(pay(randomUUID(), 100), 'STATEMENT_NOT_FOUND');
    refused(
      { ...pay(march.statementId, 100), amount: { amountMinor: 100, currency: 'BGN' } },
      'PAYMENT_NOT_IN_EUR',
    );
    refused(pay(march.statementId, 0), 'PAYMENT_NOT_POSITIVE');
    // €1,000,000.00 is the most one payment may be; a cent more is refused
    refused(pay(march.statementId, 100_000_001), 'PAYMENT_TOO_LARGE');
    t.equal(decided(march.events, pay(march.statementId, 100_000_000))[0]?.type, 'PaymentRecorded');
  },
);

t.test('a reversal puts back what the payment settled and takes back its unspent credit', async (t) => {
  // €700.00 on €600.00 (credit €100.00), reversed: March owed €600.00 again, €100.00 from credit
  const p = pay(march.statementId, 70_000);
  const paid = [...march.events, ...decided(march.events, p)];
  const reversal = {
    type: 'ReversePayment' as const,
    paymentId: p.paymentId,
    reversedOn: '2027-04-15',
    reason: 'returned_by_bank' as const,
  };
  spec(t)
    .given(paid)
    .when(reversal)
    .then([
      {
        type: 'PaymentReversed',
        data: {
          clientId,
          municipality,
          paymentId: p.paymentId,
          reversedOn: '2027-04-15',
          reason: 'returned_by_bank',
          reinstated: [{ statementId: march.statementId, amount: eur(60_000) }],
          fromCredit: eur(10_000),
        },
      },
    ]);
  const reversed = [...paid, ...decided(paid, reversal)];
  t.equal(stateOf(reversed).statements[march.statementId]!.outstanding, 60_000);
  t.equal(stateOf(reversed).credit, 0);
  t.throws(() => decided(reversed, reversal), { code: 'PAYMENT_REVERSED' }, 'not twice');
  t.throws(
    () => decided(paid, { ...reversal, paymentId: randomUUID() }),
    { code: 'PAYMENT_NOT_FOUND' },
    'an unknown payment',
  );
  // received on 10 April: not reversed on the 9th
  t.throws(
    () => decided(paid, { ...reversal, reversedOn: '2027-04-09' }),
    { code: 'REVERSED_BEFORE_RECEIVED' },
    'not before it was received',
  );
  t.equal(
    decided(paid, { ...reversal, reversedOn: '2027-04-10' })[0]?.type,
    'PaymentReversed',
    'the same day',
  );
});

t.test('credit already spent is owed again on the statements that spent it', async (t) => {
  // €700.00 on March's €600.00 → credit €100.00, spent on April (€180.00 − 100.00 = €80.00 due).
  // Reversed: March owes its €600.00 again and April the €100.00 of credit it took (€180.00 in all);
  // nothing to take from credit.
  const p = pay(march.statementId, 70_000);
  const paid = [...march.events, ...decided(march.events, p)];
  const april = stated(paid, '2027-04', 18_000);
  const events = decided(april.events, {
    type: 'ReversePayment',
    paymentId: p.paymentId,
    reversedOn: '2027-05-03',
    reason: 'returned_by_bank',
  });
  const [e] = events;
  const d = e?.type === 'PaymentReversed' ? e.data : undefined;
  t.strictSame(d?.reinstated, [
    { statementId: march.statementId, amount: eur(60_000) },
    { statementId: april.statementId, amount: eur(10_000) },
  ]);
  t.strictSame(d?.fromCredit, eur(0));
  const after = stateOf([...april.events, ...events]);
  t.equal(after.statements[march.statementId]!.outstanding, 60_000);
  t.equal(after.statements[april.statementId]!.outstanding, 18_000, 'April owes its whole €180.00');
  t.strictSame(after.statements[april.statementId]!.creditFrom, {}, 'the credit it took is taken back');
});

t.test('credit spent on two statements is owed again on each, the latest first', async (t) => {
  // €700.00 on March's €600.00 → credit €100.00; April €60.00 takes €60.00 of it (nothing due), May
  // €180.00 the €40.00 left (€140.00 due). Reversed: May owes €40.00 again (€180.00), April €60.00
  // (€60.00), March €600.00.
  const p = pay(march.statementId, 70_000);
  const paid = [...march.events, ...decided(march.events, p)];
  const april = stated(paid, '2027-04', 6_000);
  const may = stated(april.events, '2027-05', 18_000);
  const before = stateOf(may.events);
  t.equal(before.statements[april.statementId]!.outstanding, 0);
  t.equal(before.statements[may.statementId]!.outstanding, 14_000);
  const events = decided(may.events, {
    type: 'ReversePayment',
    paymentId: p.paymentId,
    reversedOn: '2027-06-03',
    reason: 'returned_by_bank',
  });
  const d = events[0]?.type === 'PaymentReversed' ? events[0].data : undefined;
  t.strictSame(d?.reinstated, [
    { statementId: march.statementId, amount: eur(60_000) },
    { statementId: may.statementId, amount: eur(4_000) },
    { statementId: april.statementId, amount: eur(6_000) },
  ]);
  const after = stateOf([...may.events, ...events]);
  t.strictSame(
    [march, april, may].map((m) => after.statements[m.statementId]!.outstanding),
    [60_000, 6_000, 18_000],
  );
  t.equal(after.credit, 0);
});

/** January–April 2027 at €420.00 a month owed on 21 May: more than the 3 months the law allows. */
const januaryToAprilReported: AccountEvent = {
  type: 'ArrearsThresholdReached',
  data: {
    clientId,
    municipality,
    on: '2027-05-21',
    months: ['2027-01', '2027-02', '2027-03', '2027-04'],
    owed: eur(168_000),
    oldestDueOn: '2027-02-20',
  },
};

t.test('arrears: more than 3 months of a state-funded service overdue, reported once', async (t) => {
  // January–April 2027 protected housing €420.00 each, unpaid; May a day centre €180.00 (municipal)
  let s = stated([], '2027-01', 42_000);
  const january = s.statementId;
  for (const m of ['2027-02', '2027-03', '2027-04']) s = stated(s.events, m, 42_000);
  s = stated(s.events, '2027-05', 18_000, false);
  const review = (on: string) => ({ type: 'ReviewArrears' as const, on, allowedMonths: 3 });
  // on 20 May April's statement is due, not overdue: January–March is 3 months, not more
  spec(t).given(s.events).when(review('2027-05-20')).then([]);
  // on 21 May: January–April overdue, 4 × 420.00 = €1,680.00, the oldest due on 20 February
  spec(t).given(s.events).when(review('2027-05-21')).then([januaryToAprilReported]);
  // the municipal day centre's May, overdue in July, does not count; nor is it reported twice
  const reported = [...s.events, ...decided(s.events, review('2027-05-21'))];
  spec(t).given(reported).when(review('2027-07-01')).then([]);
  // January paid: three months left, within the law: settled
  const paid = [...reported, ...decided(reported, pay(january, 42_000))];
  spec(t)
    .given(paid)
    .when(review('2027-07-01'))
    .then([{ type: 'ArrearsSettled', data: { clientId, municipality, on: '2027-07-01' } }]);
});

t.test('arrears of one person under two records: counted under the survivor, never twice', async (t) => {
  // the survivor owes March and April 2027 (€420.00 each); the record merged into it owes January and
  // February: four months of one person, over the law's three, on 21 May
  let own = stated([], '2027-03', 42_000);
  own = stated(own.events, '2027-04', 42_000);
  let dup = stated([], '2027-01', 42_000);
  dup = stated(dup.events, '2027-02', 42_000);
  const owedByDuplicate = Object.values(stateOf(dup.events).statements);
  const review = { type: 'ReviewArrears' as const, on: '2027-05-21', allowedMonths: 3 };
  spec(t).given(own.events).when(review).then([]);
  spec(t)
    .given(own.events)
    .when({ ...review, alsoOwed: owedByDuplicate })
    .then([januaryToAprilReported]);
  // the merged record's own account is counted under the survivor: never reported on its own, and
  // settled if it had been before the merge
  const longOwed = stated(stated(dup.events, '2027-03', 42_000).events, '2027-04', 42_000).events;
  const survivor = randomUUID();
  spec(t)
    .given(longOwed)
    .when({ ...review, countedUnder: survivor })
    .then([]);
  const reportedBefore = [...longOwed, ...decided(longOwed, review)];
  t.equal(stateOf(reportedBefore).inArrears, true, 'reported before the merge');
  spec(t)
    .given(reportedBefore)
    .when({ ...review, countedUnder: survivor })
    .then([{ type: 'ArrearsSettled', data: { clientId, municipality, on: '2027-05-21' } }]);
});

t.test('property: what is owed minus credit is what was stated minus what was paid', async (t) => {
  // Any mix of statements, payments (on any statement, any amount) and reversals keeps
  // Σ outstanding − credit = Σ (assessed + adjustments) − Σ payments not reversed, never below zero.
  const step = fc.oneof(
    fc.record({ kind: fc.constant('issue' as const), amount: fc.integer({ min: 0, max: 80_000 }) }),
    fc.record({
      kind: fc.constant('pay' as const),
      amount: fc.integer({ min: 1, max: 150_000 }),
      pick: fc.nat(),
    }),
    fc.record({ kind: fc.constant('reverse' as const), pick: fc.nat() }),
  );
  let runs = 0;
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 25 }), (steps) => {
      runs++;
      let events: AccountEvent[] = [];
      let month = 0;
      for (const s of steps) {
        const state = stateOf(events);
        const statements = Object.keys(state.statements);
        const payments = Object.entries(state.payments).filter(([, p]) => !p.reversed);
        if (s.kind === 'issue') {
          month++;
          events = stated(
            events,
            `20${30 + Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, '0')}`,
            s.amount,
          ).events;
        } else if (s.kind === 'pay' && statements.length > 0) {
          events.push(...decided(events, pay(statements[s.pick % statements.length]!, s.amount)));
        } else if (s.kind === 'reverse' && payments.length > 0) {
          const [paymentId] = payments[s.pick % payments.length]!;
          events.push(
            ...decided(events, {
              type: 'ReversePayment',
              paymentId,
              reversedOn: '2031-01-01',
              reason: 'refunded',
            }),
          );
        }
      }
      const state = stateOf(events);
      const outstanding = Object.values(state.statements).reduce((n, x) => n + x.outstanding, 0);
      const stated_ = events.reduce(
        (n, e) => n + (e.type === 'StatementIssued' ? e.data.assessed.amountMinor : 0),
        0,
      );
      const paid = Object.values(state.payments)
        .filter((p) => !p.reversed)
        .reduce((n, p) => n + p.allocations.reduce((m, a) => m + a.amount.amountMinor, 0) + p.toCredit, 0);
      if (outstanding - state.credit !== stated_ - paid)
        throw new Error(`owed ${outstanding} − credit ${state.credit} ≠ stated ${stated_} − paid ${paid}`);
      if (state.credit < 0 || Object.values(state.statements).some((x) => x.outstanding < 0))
        throw new Error('below zero');
      // a reversal makes a statement owe again at most what it was stated to owe before credit, and
      // credit is what its lots hold
      if (state.credit !== state.creditLots.reduce((n, l) => n + l.left, 0))
        throw new Error(`credit ${state.credit} is not what its lots hold`);
      for (const e of events)
        if (e.type === 'StatementIssued') {
          const x = state.statements[e.data.statementId]!;
          if (x.outstanding > e.data.totalDue.amountMinor + e.data.creditApplied.amountMinor)
            throw new Error(`${e.data.month} owes ${x.outstanding}, more than it was stated`);
        }
    }),
    { numRuns: 300 },
  );
  t.equal(runs >= 300, true, 'held for every run');
});

t.test('decider refusals are domain errors (409 or 422 over HTTP)', async (t) => {
  t.type(
    (() => {
      try {
        decided(march.events, pay(randomUUID(), 1));
      } catch (e) {
        return e;
      }
    })(),
    DomainError,
  );
});
