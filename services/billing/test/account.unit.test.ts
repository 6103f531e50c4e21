import { randomUUID } from 'node:crypto';
import { type AssessmentLine, eur, type Money, type ServiceTypeCode } from '@casework/contracts';
import { deciderSpec } from '@casework/testkit';
import fc from 'fast-check';
import t from 'tap';
import { paymentReferenceFor } from '../src/bank/paymentReference.js';
import {
  type Account,
  type AccountCommand,
  type AccountEvent,
  accountDecider,
  adjustmentsAtMost,
  type IssueStatement,
  type Reassessment,
} from '../src/domain/account.js';

// Given a client's account events, when a month's statement is issued, then these events, every
// figure worked out by hand (euro cents).

const spec = deciderSpec(accountDecider);
const clientId = randomUUID();
const municipality = 'BLG01';
const siteId = randomUUID();
const housing = randomUUID(); // a protected-housing stay
const dayCentre = randomUUID(); // a day centre alongside it
const [first, second] = [housing, dayCentre].sort(); // adjustments are raised in placement id order

/** A stay's line for a month, only its figures mattering to the account. */
const line = (
  placementId: string,
  amount: number,
  serviceType: ServiceTypeCode = 'protected_housing',
  stateShare = amount,
): AssessmentLine => ({
  placementId,
  siteId,
  serviceType,
  municipality,
  daysInMonth: 31,
  inService: 31,
  billable: 31,
  counted: [],
  exempted: [],
  tariff: { tariffId: `${serviceType}:national`, version: 1 },
  fee: { kind: 'income_share', basisPoints: 7000 },
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

let numbered = 0;
/** The statement of `month`, issued on the 2nd of the next month and due on the 20th. */
function issue(
  month: string,
  lines: AssessmentLine[],
  more: { reassessed?: Reassessment[]; adjustmentIds?: string[]; knownThrough?: number } = {},
): IssueStatement {
  const next = new Date(`${month}-01T00:00:00Z`);
  next.setUTCMonth(next.getUTCMonth() + 1);
  const nextMonth = next.toISOString().slice(0, 7);
  const statementNumber = `${municipality}-${month.replace('-', '')}-${String(++numbered).padStart(6, '0')}`;
  return {
    type: 'IssueStatement',
    clientId,
    municipality,
    month,
    statementId: randomUUID(),
    statementNumber,
    paymentReference: paymentReferenceFor(statementNumber),
    issuedOn: `${nextMonth}-02`,
    dueOn: `${nextMonth}-20`,
    lines,
    knownThrough: more.knownThrough ?? 7,
    knownAsOf: '40:42:40',
    siteCostVersions: { [siteId]: 1 },
    reassessed: more.reassessed ?? [],
    adjustmentIds: more.adjustmentIds ?? [randomUUID(), randomUUID()],
  };
}

/** What deciding a command on the state the given events make comes to. */
const decided = (given: AccountEvent[], command: AccountCommand) =>
  accountDecider.decide(command, given.reduce(accountDecider.evolve, accountDecider.initialState));
const stateOf = (events: AccountEvent[]): Account =>
  events.reduce(accountDecider.evolve, accountDecider.initialState);
const statementOf = (events: AccountEvent[]) => events.find((e) => e.type === 'StatementIssued')?.data;
const adjustmentsOf = (events: AccountEvent[]) =>
  events.flatMap((e) => (e.type === 'AdjustmentRaised' ? [e.data] : []));

// March 2027: protected housing €420.00 (the state's share all of it) and a day centre €180.00 (none)
const march = issue('2027-03', [line(housing, 42_000), line(dayCentre, 18_000, 'day_centre_elderly', 0)]);
const marchStated: AccountEvent[] = [
  {
    type: 'MonthAssessed',
    data: {
      clientId,
      municipality,
      month: '2027-03',
      statementId: march.statementId,
      lines: march.lines,
      total: eur(60_000),
      knownThrough: 7,
      knownAsOf: '40:42:40',
      siteCostVersions: { [siteId]: 1 },
    },
  },
  {
    type: 'StatementIssued',
    data: {
      clientId,
      municipality,
      statementId: march.statementId,
      statementNumber: march.statementNumber,
      month: '2027-03',
      issuedOn: '2027-04-02',
      dueOn: '2027-04-20',
      paymentReference: march.paymentReference,
      assessed: eur(60_000),
      adjustments: [],
      creditApplied: eur(0),
      totalDue: eur(60_000),
      stateShare: eur(42_000),
    },
  },
];

t.test('a first statement: the month assessed, then stated', async (t) => {
  // 420.00 + 180.00 = €600.00 assessed and due by 20 April; the state's share 420.00 + 0 = €420.00
  spec(t).given([]).when(march).then(marchStated);
});

t.test('the same month again: nothing (a retried run changes nothing)', async (t) => {
  spec(t)
    .given(marchStated)
    .when(issue('2027-03', [line(housing, 99_999)]))
    .then([]);
});

t.test('a reassessed month that comes out lower: a credit adjustment on the next statement', async (t) => {
  // March's housing reassessed at €350.00 after a corrected income: 350.00 − 420.00 = −€70.00;
  // the day centre still 180.00: no adjustment. April: 420.00 assessed − 70.00 = €350.00 due
  const learned = [randomUUID(), randomUUID()];
  const [adjustmentId, spare] = [randomUUID(), randomUUID()];
  const april = issue('2027-04', [line(housing, 42_000)], {
    reassessed: [
      {
        month: '2027-03',
        lines: [line(housing, 35_000), line(dayCentre, 18_000, 'day_centre_elderly', 0)],
        learned,
      },
    ],
    adjustmentIds: [adjustmentId!, spare!],
    knownThrough: 9,
  });
  const events = decided(marchStated, april);
  t.strictSame(
    events.map((e) => e.type),
    ['AdjustmentRaised', 'MonthAssessed', 'StatementIssued'],
  );
  t.strictSame(adjustmentsOf(events), [
    {
      clientId,
      municipality,
      adjustmentId,
      correctsMonth: '2027-03',
      placementId: housing,
      serviceType: 'protected_housing',
      billed: eur(42_000),
      corrected: eur(35_000),
      amount: eur(-7_000),
      // the housing's tariff gives the state all of it: its share falls by the same 70.00
      stateShare: eur(-7_000),
      causedBy: learned,
    },
  ]);
  const statement = statementOf(events);
  t.strictSame(
    [statement?.assessed, statement?.adjustments, statement?.creditApplied, statement?.totalDue],
    [eur(42_000), [{ adjustmentId, amount: eur(-7_000) }], eur(0), eur(35_000)],
  );
  t.strictSame(statement?.dueOn, '2027-05-20', 'the due date carried');

  // May reassesses March again at €380.00: billed is now 420.00 − 70.00 = 350.00, so +€30.00;
  // May: 420.00 + 30.00 = €450.00
  const may = issue('2027-05', [line(housing, 42_000)], {
    reassessed: [{ month: '2027-03', lines: [line(housing, 38_000)], learned: [randomUUID()] }],
  });
  const mayEvents = decided([...marchStated, ...events], may);
  const raised = adjustmentsOf(mayEvents).filter((a) => a.placementId === housing);
  t.strictSame(
    raised.map((a) => [a.billed, a.corrected, a.amount]),
    [[eur(35_000), eur(38_000), eur(3_000)]],
  );
});

t.test('a reassessed month that comes out higher: an adjustment owed', async (t) => {
  // the day centre's March reassessed at €200.00 (a late income): 200.00 − 180.00 = +€20.00;
  // April: 420.00 + 20.00 = €440.00 due
  const learned = [randomUUID()];
  const april = issue('2027-04', [line(housing, 42_000)], {
    reassessed: [
      {
        month: '2027-03',
        lines: [line(housing, 42_000), line(dayCentre, 20_000, 'day_centre_elderly', 0)],
        learned,
      },
    ],
  });
  const events = decided(marchStated, april);
  t.strictSame(
    adjustmentsOf(events).map((a) => [
      a.placementId,
      a.serviceType,
      a.billed,
      a.corrected,
      a.amount,
      a.causedBy,
    ]),
    [[dayCentre, 'day_centre_elderly', eur(18_000), eur(20_000), eur(2_000), learned]],
  );
  t.strictSame(statementOf(events)?.totalDue, eur(44_000));
});

t.test('an adjustment says when its month rests on leva converted, as billed or as corrected', async (t) => {
  const converted = (l: AssessmentLine): AssessmentLine => ({ ...l, convertedFromBgn: true });
  const reassessed = (lines: AssessmentLine[]) =>
    decided(
      marchStated,
      issue('2027-04', [], { reassessed: [{ month: '2027-03', lines, learned: [randomUUID()] }] }),
    );
  // March as corrected rests on a pension in leva (a late income): the adjustment says so
  const corrected = adjustmentsOf(
    reassessed([line(housing, 42_000), converted(line(dayCentre, 20_000, 'day_centre_elderly', 0))]),
  );
  t.strictSame(
    corrected.map((a) => [a.placementId, a.amount, a.convertedFromBgn]),
    [[dayCentre, eur(2_000), true]],
  );
  // all in euro: no flag
  t.notOk(
    adjustmentsOf(reassessed([line(housing, 42_000), line(dayCentre, 20_000, 'day_centre_elderly', 0)]))[0]!
      .convertedFromBgn,
  );
  // March as billed rested on leva, corrected in euro: the month's figures still came from leva
  const billedInLeva = marchStated.map((e) =>
    e.type === 'MonthAssessed' ? { ...e, data: { ...e.data, lines: e.data.lines.map(converted) } } : e,
  );
  const events = decided(
    billedInLeva,
    issue('2027-04', [], {
      reassessed: [
        {
          month: '2027-03',
          lines: [line(housing, 40_000), converted(line(dayCentre, 18_000, 'day_centre_elderly', 0))],
          learned: [randomUUID()],
        },
      ],
    }),
  );
  t.strictSame(
    adjustmentsOf(events).map((a) => [a.placementId, a.amount, a.convertedFromBgn]),
    [[housing, eur(-2_000), true]],
  );
});

t.test("the same fee with another state's part: an adjustment of the state's share only", async (t) => {
  // March's day centre (a mixed site, say) reassessed at the same €180.00, of which the state's part is
  // now 40%: €72.00. The client owes nothing more; the state is remitted €72.00 more for March
  const april = issue('2027-04', [line(housing, 42_000)], {
    reassessed: [
      {
        month: '2027-03',
        lines: [line(housing, 42_000), line(dayCentre, 18_000, 'day_centre_elderly', 7_200)],
        learned: [],
      },
    ],
  });
  const events = decided(marchStated, april);
  t.strictSame(
    adjustmentsOf(events).map((a) => [a.placementId, a.billed, a.corrected, a.amount, a.stateShare]),
    [[dayCentre, eur(18_000), eur(18_000), eur(0), eur(7_200)]],
  );
  t.strictSame(statementOf(events)?.totalDue, eur(42_000), 'April owes its own month only');
  const after = stateOf([...marchStated, ...events]);
  t.equal(after.charged[`2027-03 ${dayCentre}`]?.stateShare, 7_200, "March's state share is now €72.00");
  // the same reassessment once more corrects nothing again
  const may = issue('2027-05', [line(housing, 42_000)], {
    reassessed: [
      {
        month: '2027-03',
        lines: [line(housing, 42_000), line(dayCentre, 18_000, 'day_centre_elderly', 7_200)],
        learned: [],
      },
    ],
  });
  t.strictSame(adjustmentsOf(decided([...marchStated, ...events], may)), []);
});

t.test('a statement of adjustments only is state-funded when they are (a stay learned late)', async (t) => {
  // no account before; March closed without this client, whose protected-housing stay in March is learned
  // in April: April has no line, March's €420.00 (the state's all of it) comes as an adjustment
  const late = issue('2027-04', [], {
    reassessed: [{ month: '2027-03', lines: [line(housing, 42_000)], learned: [randomUUID()] }],
  });
  const events = decided([], late);
  t.strictSame(
    [statementOf(events)?.stateShare, statementOf(events)?.totalDue],
    [eur(0), eur(42_000)],
    "the month's own lines carry no state share",
  );
  const statement = stateOf(events).statements[late.statementId];
  t.equal(statement?.stateFunded, true, 'but it is counted for arrears of a state-funded service');
  // the same for a day centre's adjustment with no state share: not state-funded
  const municipal = issue('2027-04', [], {
    reassessed: [
      {
        month: '2027-03',
        lines: [line(dayCentre, 18_000, 'day_centre_elderly', 0)],
        learned: [randomUUID()],
      },
    ],
  });
  t.equal(stateOf(decided([], municipal)).statements[municipal.statementId]?.stateFunded, false);
});

t.test('a reassessment that changes nothing raises nothing', async (t) => {
  const april = issue('2027-04', [line(housing, 42_000)], {
    reassessed: [
      {
        month: '2027-03',
        lines: [line(housing, 42_000), line(dayCentre, 18_000, 'day_centre_elderly', 0)],
        learned: [randomUUID()],
      },
    ],
  });
  const events = decided(marchStated, april);
  t.strictSame(
    events.map((e) => e.type),
    ['MonthAssessed', 'StatementIssued'],
  );
  t.strictSame([statementOf(events)?.adjustments, statementOf(events)?.totalDue], [[], eur(42_000)]);
});

t.test('a stay gone from a reassessed month (a backdated discharge): a negative adjustment', async (t) => {
  // both stays were discharged on 28 February, recorded late: March has no line at all now.
  // housing 0 − 420.00 = −€420.00, day centre 0 − 180.00 = −€180.00, in placement id order;
  // April has nothing assessed: net −600.00 → nothing due, €600.00 carried as credit
  const learned = [randomUUID(), randomUUID()];
  const ids = [randomUUID(), randomUUID()];
  const april = issue('2027-04', [], {
    reassessed: [{ month: '2027-03', lines: [], learned }],
    adjustmentIds: ids,
  });
  const events = decided(marchStated, april);
  const expected = (placementId: string) =>
    placementId === housing
      ? ['protected_housing', eur(42_000), eur(-42_000)]
      : ['day_centre_elderly', eur(18_000), eur(-18_000)];
  t.strictSame(
    adjustmentsOf(events).map((a) => [a.adjustmentId, a.placementId, a.serviceType, a.billed, a.amount]),
    [
      [ids[0], first, ...expected(first!)],
      [ids[1], second, ...expected(second!)],
    ],
  );
  t.ok(
    adjustmentsOf(events).every((a) => a.corrected.amountMinor === 0 && a.causedBy === learned),
    'corrected to 0, caused by the late discharge',
  );
  t.strictSame(
    [statementOf(events)?.totalDue, stateOf([...marchStated, ...events]).credit],
    [eur(0), 60_000],
  );
});

t.test('a negative net: nothing due, the credit carried and applied to the next statements', async (t) => {
  // April: housing €50.00 (discharged on 5 April) and March's housing reassessed to 0 (the
  // discharge backdated to 1 March): 50.00 − 420.00 = −€370.00 → due 0, credit €370.00
  const april = issue('2027-04', [line(housing, 5_000)], {
    reassessed: [
      {
        month: '2027-03',
        lines: [line(dayCentre, 18_000, 'day_centre_elderly', 0)],
        learned: [randomUUID()],
      },
    ],
  });
  const aprilEvents = decided(marchStated, april);
  t.strictSame(
    [statementOf(aprilEvents)?.creditApplied, statementOf(aprilEvents)?.totalDue],
    [eur(0), eur(0)],
  );
  const afterApril = [...marchStated, ...aprilEvents];
  t.equal(stateOf(afterApril).credit, 37_000);

  // May: the day centre €250.00; credit 370.00 covers all of it: applied 250.00, due 0, 120.00 left
  const may = issue('2027-05', [line(dayCentre, 25_000, 'day_centre_elderly', 0)]);
  const mayEvents = decided(afterApril, may);
  t.strictSame(
    [statementOf(mayEvents)?.creditApplied, statementOf(mayEvents)?.totalDue],
    [eur(25_000), eur(0)],
  );
  const afterMay = [...afterApril, ...mayEvents];
  t.equal(stateOf(afterMay).credit, 12_000);

  // June: €180.00 − the 120.00 left = €60.00 due; the credit is used up
  const june = issue('2027-06', [line(dayCentre, 18_000, 'day_centre_elderly', 0)]);
  const juneEvents = decided(afterMay, june);
  t.strictSame(
    [statementOf(juneEvents)?.creditApplied, statementOf(juneEvents)?.totalDue],
    [eur(12_000), eur(6_000)],
  );
  t.equal(stateOf([...afterMay, ...juneEvents]).credit, 0);
});

t.test('too few adjustment ids: refused', async (t) => {
  // two stays changed, one id
  const april = issue('2027-04', [], {
    reassessed: [{ month: '2027-03', lines: [], learned: [randomUUID()] }],
    adjustmentIds: [randomUUID()],
  });
  spec(t).given(marchStated).when(april).thenFails(RangeError);
});

t.test('the ids a statement needs: one per stay a reassessed month was charged for or has now', async (t) => {
  // March reassessed: housing now €400.00 (−20.00), the day centre gone (−180.00), a third stay found
  // (+€95.00): three stays, three adjustments; nothing reassessed needs none, whatever was charged
  const found = randomUUID();
  const reassessed = [
    { month: '2027-03', lines: [line(housing, 40_000), line(found, 9_500)], learned: [randomUUID()] },
  ];
  const state = stateOf(marchStated);
  t.equal(adjustmentsAtMost(reassessed, state), 3);
  t.equal(adjustmentsAtMost([], state), 0);
  const ids = Array.from({ length: adjustmentsAtMost(reassessed, state) }, () => randomUUID());
  const events = decided(marchStated, issue('2027-04', [], { reassessed, adjustmentIds: ids }));
  t.strictSame(
    adjustmentsOf(events)
      .map((a) => [a.placementId, a.amount.amountMinor])
      .sort(),
    [
      [housing, -2_000],
      [dayCentre, -18_000],
      [found, 9_500],
    ].sort(),
  );
});

// ---------------------------------------------------------------- a property

/** Every Money amount in an account event, to check they stay whole cents. */
const amountsOf = (e: AccountEvent): Money[] => {
  switch (e.type) {
    case 'MonthAssessed':
      return [e.data.total, ...e.data.lines.flatMap((l) => [l.amount, l.stateShare, l.fullMonth])];
    case 'AdjustmentRaised':
      return [e.data.billed, e.data.corrected, e.data.amount];
    case 'StatementIssued':
      return [
        e.data.assessed,
        e.data.creditApplied,
        e.data.totalDue,
        e.data.stateShare,
        ...e.data.adjustments.map((a) => a.amount),
      ];
    case 'PaymentRecorded':
      return [e.data.amount, e.data.toCredit, ...e.data.allocations.map((a) => a.amount)];
    case 'PaymentReversed':
      return [e.data.fromCredit, ...e.data.reinstated.map((a) => a.amount)];
    case 'ArrearsThresholdReached':
      return [e.data.owed];
    case 'ArrearsSettled':
      return [];
  }
};

/** A month's amount for each of two stays; null: the stay has no line that month. */
const amounts = fc.record({
  housing: fc.option(fc.integer({ min: 0, max: 300_000 }), { nil: null }),
  dayCentre: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: null }),
});
type Amounts = { housing: number | null; dayCentre: number | null };
const linesOf = (a: Amounts) => [
  ...(a.housing === null ? [] : [line(housing, a.housing)]),
  ...(a.dayCentre === null ? [] : [line(dayCentre, a.dayCentre, 'day_centre_elderly', 0)]),
];

t.test('stated amount + later adjustments = the last reassessment, in whole cents', async (t) => {
  // Months 1..n are stated in turn; each statement reassesses every earlier month, either as it was
  // (null) or with new amounts. For each month and stay: its line on MonthAssessed + Σ its adjustments =
  // what the last reassessment said (0 for no line). And Σ totalDue − the credit left = Σ those amounts.
  const scenario = fc.integer({ min: 1, max: 8 }).chain((n) =>
    fc.record({
      stated: fc.array(amounts, { minLength: n, maxLength: n }),
      // reassessed[j][i]: what statement j says of earlier month i (i < j)
      reassessed: fc.array(fc.array(fc.option(amounts, { nil: null }), { minLength: n, maxLength: n }), {
        minLength: n,
        maxLength: n,
      }),
    }),
  );
  let runs = 0;
  fc.assert(
    fc.property(scenario, ({ stated, reassessed }) => {
      runs++;
      const month = (i: number) => `2027-${String(i + 1).padStart(2, '0')}`;
      const last: Amounts[] = stated.map((a) => ({ ...a }));
      const history: AccountEvent[] = [];
      stated.forEach((a, j) => {
        const again: Reassessment[] = [];
        for (let i = 0; i < j; i++) {
          const r = reassessed[j]![i] ?? last[i]!;
          last[i] = r;
          again.push({ month: month(i), lines: linesOf(r), learned: [randomUUID()] });
        }
        const ids = Array.from({ length: 2 * j }, () => randomUUID());
        const events = decided(
          history,
          issue(month(j), linesOf(a), { reassessed: again, adjustmentIds: ids }),
        );
        // the statements read model finds a statement's lines in the event just before it
        const [assessed, statement] = events.slice(-2);
        if (
          statement?.type !== 'StatementIssued' ||
          assessed?.type !== 'MonthAssessed' ||
          assessed.data.statementId !== statement.data.statementId
        )
          throw new Error('a statement does not follow its own month assessed');
        history.push(...events);
      });
      const whole = history.flatMap(amountsOf).every((m) => Number.isSafeInteger(m.amountMinor));
      if (!whole) throw new Error('an amount is not a whole number of cents');
      let finalTotal = 0;
      stated.forEach((_, i) => {
        for (const [placementId, name] of [
          [housing, 'housing'],
          [dayCentre, 'dayCentre'],
        ] as const) {
          const assessedLine = history
            .flatMap((e) => (e.type === 'MonthAssessed' && e.data.month === month(i) ? e.data.lines : []))
            .find((l) => l.placementId === placementId);
          const adjusted = history
            .flatMap((e) => (e.type === 'AdjustmentRaised' ? [e.data] : []))
            .filter((d) => d.correctsMonth === month(i) && d.placementId === placementId)
            .reduce((n, d) => n + d.amount.amountMinor, 0);
          const expected = last[i]![name] ?? 0;
          const got = (assessedLine?.amount.amountMinor ?? 0) + adjusted;
          if (got !== expected) throw new Error(`${month(i)} ${name}: ${got} ≠ ${expected}`);
          finalTotal += expected;
        }
      });
      const due = history.reduce(
        (n, e) => n + (e.type === 'StatementIssued' ? e.data.totalDue.amountMinor : 0),
        0,
      );
      const credit = stateOf(history).credit;
      if (due - credit !== finalTotal) throw new Error(`Σ due ${due} − credit ${credit} ≠ ${finalTotal}`);
      if (history.some((e) => e.type === 'StatementIssued' && e.data.totalDue.amountMinor < 0))
        throw new Error('a negative total due');
    }),
    { numRuns: 200 },
  );
  t.equal(runs >= 200, true, 'held for every run');
});
