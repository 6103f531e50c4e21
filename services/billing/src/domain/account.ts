import {
  type AdjustmentRaised,
  type ArrearsSettled,
  type ArrearsThresholdReached,
  type AssessmentLine,
  breaksRule,
  conflictWith,
  type Decider,
  type EventOf,
  eur,
  type LocalDate,
  type Money,
  type Month,
  type MonthAssessed,
  type PaymentMethod,
  type PaymentRecorded,
  type PaymentReversed,
  type ReversalReason,
  type StatementIssued,
} from '@casework/contracts';
import type { z } from 'zod';
import { totalOf } from './assessMonth.js';
import type { Knowledge } from './knowledge.js';

export type AccountEvent =
  | EventOf<typeof MonthAssessed>
  | EventOf<typeof AdjustmentRaised>
  | EventOf<typeof StatementIssued>
  | EventOf<typeof PaymentRecorded>
  | EventOf<typeof PaymentReversed>
  | EventOf<typeof ArrearsThresholdReached>
  | EventOf<typeof ArrearsSettled>;

/** A month assessed again with everything known now, and the events learned since it was stated. */
export type Reassessment = { month: Month; lines: AssessmentLine[]; learned: string[] };

export type IssueStatement = {
  type: 'IssueStatement';
  clientId: string;
  municipality: string;
  month: Month;
  statementId: string;
  statementNumber: string;
  paymentReference: string;
  issuedOn: LocalDate;
  dueOn: LocalDate;
  lines: AssessmentLine[];
  /** The last of the client's inputs the run read, and the snapshot it read them in. */
  knownThrough: number;
  knownAsOf: string;
  /** The version of each of the client's sites' cost settings the run knew. */
  siteCostVersions: Record<string, number>;
  /** Earlier months stated or closed, assessed again; a difference per stay is an adjustment. */
  reassessed: Reassessment[];
  /** Fresh ids for the adjustments this statement may raise: `adjustmentsAtMost` of them. */
  adjustmentIds: string[];
};
export type RecordPayment = {
  type: 'RecordPayment';
  paymentId: string;
  statementId: string;
  amount: Money;
  receivedOn: LocalDate;
  method: z.infer<typeof PaymentMethod>;
  /** The bank statement line it came from; a line already recorded records nothing. */
  bankLineKey: string | null;
};
export type ReversePayment = {
  type: 'ReversePayment';
  paymentId: string;
  reversedOn: LocalDate;
  reason: z.infer<typeof ReversalReason>;
};
/** A statement still owed, as an arrears review counts it. */
export type OwedStatement = Account['statements'][string];
/**
 * Compare what is overdue on a date with the months the law allows (a parameter). Records merged into
 * this client are one person with it: `alsoOwed` brings their statements still owed to the count. An
 * account whose client is itself merged into another (`countedUnder`) is counted there, never here.
 */
export type ReviewArrears = {
  type: 'ReviewArrears';
  on: LocalDate;
  allowedMonths: number;
  alsoOwed?: readonly OwedStatement[];
  countedUnder?: string;
};
export type AccountCommand = IssueStatement | RecordPayment | ReversePayment | ReviewArrears;

type Allocation = { statementId: string; amount: Money };

/** Euro cents: the most one payment may be. */
const LARGEST_PAYMENT = 100_000_000;

/** A client's account with one municipality: what each month was stated and charged, and what is pending. */
export type Account = {
  /** Months with a statement, and what their assessment knew of the inputs. */
  stated: Record<Month, { statementId: string } & Knowledge>;
  /** Per `<month> <placementId>`: what the stay has been charged for the month, adjustments included. */
  charged: Record<
    string,
    {
      amount: number;
      stateShare: number;
      serviceType: AssessmentLine['serviceType'];
      /** The charge rests on a BGN amount converted (as assessed, or as an adjustment corrected it). */
      convertedFromBgn?: true;
    }
  >;
  /** Adjustments raised and not yet on a statement. */
  pending: { adjustmentId: string; amount: Money; stateShare?: number }[];
  /** Euro cents owed to the client, set against the next statements. */
  credit: number;
  /**
   * Where the credit came from, oldest first, and how much of each is left: a payment's overpayment (by
   * its id) or a statement that came out below zero (`statement:<id>`). Statements spend the oldest first.
   */
  creditLots: { from: string; left: number }[];
  /** Each statement issued and what of it is still owed (euro cents). */
  statements: Record<
    string,
    {
      month: Month;
      dueOn: LocalDate;
      totalDue: number;
      outstanding: number;
      stateFunded: boolean;
      /** The credit set against it, by the lot it came from (absent when none was). */
      creditFrom?: Record<string, number>;
    }
  >;
  payments: Record<
    string,
    {
      statementId: string;
      allocations: Allocation[];
      toCredit: number;
      reversed: boolean;
      /** Absent in snapshots taken before it was kept. */
      receivedOn?: LocalDate;
    }
  >;
  /** Bank statement lines recorded as payments. */
  bankLines: Record<string, true>;
  /** Arrears past the months allowed, reported and not settled since. */
  inArrears: boolean;
  /** Whose account it is, from its first statement. */
  owner?: { clientId: string; municipality: string };
  /**
   * What the last statement's run knew (every month it reassessed, it reassessed with this): the last
   * input and the sites' cost versions. Absent before the first statement, or from a run that kept none.
   */
  assessedWith?: Knowledge & { siteCostVersions: Record<string, number> };
};

function accountOf(state: Account) {
  if (!state.owner) throw conflictWith('ACCOUNT_NOT_FOUND', 'the account has no statement');
  return state.owner;
}

/**
 * Account as kept in snapshots: bump it on any change to Account's shape or to what `evolve` makes of an
 * event, and older snapshots are no longer read (the account is folded from its events again).
 */
export const ACCOUNT_CODEC = 4;

export const initialState: Account = {
  stated: {},
  charged: {},
  pending: [],
  credit: 0,
  creditLots: [],
  statements: {},
  payments: {},
  bankLines: {},
  inArrears: false,
};

const key = (month: Month, placementId: string) => `${month} ${placementId}`;

/** What an assessment knew of the inputs, without a missing snapshot (from runs before it was kept). */
const knowledgeOf = ({ knownThrough, knownAsOf }: Knowledge): Knowledge =>
  knownAsOf === undefined ? { knownThrough } : { knownThrough, knownAsOf };

/**
 * A copy of one of an account's records, as a dictionary without a prototype. The records are keyed by
 * ids and months, each key new: copied as ordinary objects (`{ ...record, [key]: value }`), V8 builds a
 * new object shape for every key, microseconds a copy where a dictionary takes a fraction of one.
 */
const copyOf = <T>(record: Record<string, T>): Record<string, T> =>
  Object.assign(Object.create(null), record);

function withEntry<T>(record: Record<string, T>, k: string, value: T): Record<string, T> {
  const next = copyOf(record);
  next[k] = value;
  return next;
}

/** The stays a month was charged for, on its statement or by an adjustment since. */
export const chargedPlacements = (state: Account, month: Month): string[] =>
  Object.keys(state.charged)
    .filter((k) => k.startsWith(`${month} `))
    .map((k) => k.slice(month.length + 1));

/** The stays a month assessed again may be adjusted for: those it has lines for now or was charged for. */
const placementsOf = (r: Reassessment, state: Account) =>
  new Set([...r.lines.map((l) => l.placementId), ...chargedPlacements(state, r.month)]);

/** The most adjustments a statement reassessing these months may raise: one per stay of each month. */
export const adjustmentsAtMost = (reassessed: readonly Reassessment[], state: Account): number =>
  reassessed.reduce((n, r) => n + placementsOf(r, state).size, 0);

/** Each stay's difference between what a month was charged and what it comes to now. */
function adjustments(command: IssueStatement, state: Account): EventOf<typeof AdjustmentRaised>[] {
  const ids = [...command.adjustmentIds];
  const raised: EventOf<typeof AdjustmentRaised>[] = [];
  for (const r of command.reassessed) {
    const lines = new Map(r.lines.map((l) => [l.placementId, l]));
    for (const placementId of [...placementsOf(r, state)].sort()) {
      const line = lines.get(placementId);
      const before = state.charged[key(r.month, placementId)];
      const billed = before?.amount ?? 0;
      const corrected = line?.amount.amountMinor ?? 0;
      const stateShare = (line?.stateShare.amountMinor ?? 0) - (before?.stateShare ?? 0);
      // the same fee with another state's part (a mixed site's part set again) still corrects what the
      // state is remitted for the month: an adjustment of nothing to the client, of the state's share
      if (billed === corrected && stateShare === 0) continue;
      const adjustmentId = ids.shift();
      if (!adjustmentId) throw new RangeError('IssueStatement: too few adjustment ids');
      raised.push({
        type: 'AdjustmentRaised',
        data: {
          clientId: command.clientId,
          municipality: command.municipality,
          adjustmentId,
          correctsMonth: r.month,
          placementId,
          serviceType: (line?.serviceType ?? before?.serviceType)!,
          billed: eur(billed),
          corrected: eur(corrected),
          amount: eur(corrected - billed),
          stateShare: eur(stateShare),
          causedBy: r.learned,
          ...(line?.convertedFromBgn || before?.convertedFromBgn ? { convertedFromBgn: true as const } : {}),
        },
      });
    }
  }
  return raised;
}

/**
 * A month's statement, once: its assessment, the adjustments of earlier months (those pending and those
 * the reassessment raises now), the credit set against it, the total due. A month already stated is
 * not stated again (a retried run changes nothing).
 */
export function decide(command: AccountCommand, state: Account): AccountEvent[] {
  switch (command.type) {
    case 'IssueStatement':
      return issue(command, state);
    case 'RecordPayment':
      return record(command, state);
    case 'ReversePayment':
      return reverse(command, state);
    case 'ReviewArrears':
      return review(command, state);
  }
}

/** Statements still owed, the oldest due first (then by month). */
export const owedStatements = (state: Account) =>
  Object.entries(state.statements)
    .filter(([, s]) => s.outstanding > 0)
    .sort(([, a], [, b]) => a.dueOn.localeCompare(b.dueOn) || a.month.localeCompare(b.month));

/**
 * A payment settles the statement it was made for, then the oldest statements owed; the rest is
 * credit. A bank line already recorded on the account records nothing (a file imported again).
 */
function record(c: RecordPayment, state: Account): AccountEvent[] {
  if (c.bankLineKey !== null && state.bankLines[c.bankLineKey]) return [];
  if (state.payments[c.paymentId]) return [];
  const target = state.statements[c.statementId];
  if (!target) throw conflictWith('STATEMENT_NOT_FOUND', 'the statement is not on this account');
  if (c.amount.currency !== 'EUR')
    throw breaksRule('PAYMENT_NOT_IN_EUR', 'payments are recorded in euro', { currency: c.amount.currency });
  if (c.amount.amountMinor <= 0) throw breaksRule('PAYMENT_NOT_POSITIVE', 'a payment is above zero');
  // far above any fee: a slip of the keyboard, and what keeps an account's sums within safe integers
  if (c.amount.amountMinor > LARGEST_PAYMENT)
    throw breaksRule('PAYMENT_TOO_LARGE', 'a payment is at most €1,000,000.00', { amount: c.amount });
  let left = c.amount.amountMinor;
  const allocations: Allocation[] = [];
  const order = [
    [c.statementId, target] as const,
    ...owedStatements(state).filter(([id]) => id !== c.statementId),
  ];
  for (const [statementId, s] of order) {
    const amount = Math.min(left, s.outstanding);
    if (amount <= 0) continue;
    allocations.push({ statementId, amount: eur(amount) });
    left -= amount;
  }
  const { clientId, municipality } = accountOf(state);
  return [
    {
      type: 'PaymentRecorded',
      data: {
        clientId,
        municipality,
        paymentId: c.paymentId,
        statementId: c.statementId,
        amount: c.amount,
        receivedOn: c.receivedOn,
        method: c.method,
        bankLineKey: c.bankLineKey,
        allocations,
        toCredit: eur(left),
      },
    },
  ];
}

/**
 * What a payment settled is owed again; its credit comes back from what is left of it, and what of it
 * was spent is owed again on the statements that spent it, the latest first. (An account folded from
 * reversals decided before credit was traced may have lost track of some: that part is owed on the
 * statement the payment was for, as those reversals did.)
 */
function reverse(c: ReversePayment, state: Account): AccountEvent[] {
  const payment = state.payments[c.paymentId];
  if (!payment) throw conflictWith('PAYMENT_NOT_FOUND', 'no such payment on this account');
  if (payment.reversed) throw conflictWith('PAYMENT_REVERSED', 'the payment was reversed already');
  if (payment.receivedOn && c.reversedOn < payment.receivedOn)
    throw breaksRule(
      'REVERSED_BEFORE_RECEIVED',
      'a payment is reversed on or after the day it was received',
      {
        receivedOn: payment.receivedOn,
      },
    );
  const left = state.creditLots.find((l) => l.from === c.paymentId)?.left ?? 0;
  const fromCredit = Math.min(left, Math.max(state.credit, 0), payment.toCredit);
  const reinstated = new Map(payment.allocations.map((a) => [a.statementId, a.amount.amountMinor]));
  let untraced = payment.toCredit - fromCredit;
  for (const [statementId, s] of Object.entries(state.statements).reverse()) {
    const spent = Math.min(s.creditFrom?.[c.paymentId] ?? 0, untraced);
    if (spent <= 0) continue;
    reinstated.set(statementId, (reinstated.get(statementId) ?? 0) + spent);
    untraced -= spent;
  }
  if (untraced > 0)
    reinstated.set(payment.statementId, (reinstated.get(payment.statementId) ?? 0) + untraced);
  const { clientId, municipality } = accountOf(state);
  return [
    {
      type: 'PaymentReversed',
      data: {
        clientId,
        municipality,
        paymentId: c.paymentId,
        reversedOn: c.reversedOn,
        reason: c.reason,
        reinstated: [...reinstated].map(([statementId, amount]) => ({ statementId, amount: eur(amount) })),
        fromCredit: eur(fromCredit),
      },
    },
  ];
}

/**
 * More months of state-funded services overdue than allowed is reported once, until the arrears are
 * back within the allowance (then settled, and a later relapse is reported again).
 */
function review(c: ReviewArrears, state: Account): AccountEvent[] {
  const overdue = [...owedStatements(state).map(([, s]) => s), ...(c.alsoOwed ?? [])]
    .filter((s) => s.stateFunded && s.dueOn < c.on)
    .sort((a, b) => a.month.localeCompare(b.month));
  const months = [...new Set(overdue.map((s) => s.month))];
  const over = c.countedUnder === undefined && months.length > c.allowedMonths;
  if (over === state.inArrears || Object.keys(state.statements).length === 0) return [];
  const { clientId, municipality } = accountOf(state);
  if (!over) return [{ type: 'ArrearsSettled', data: { clientId, municipality, on: c.on } }];
  return [
    {
      type: 'ArrearsThresholdReached',
      data: {
        clientId,
        municipality,
        on: c.on,
        months,
        owed: eur(overdue.reduce((n, s) => n + s.outstanding, 0)),
        oldestDueOn: overdue.map((s) => s.dueOn).sort()[0]!,
      },
    },
  ];
}

function issue(command: IssueStatement, state: Account): AccountEvent[] {
  if (state.stated[command.month]) return [];
  const raised = adjustments(command, state);
  const assessed = totalOf(command.lines);
  const owed = [...state.pending.map((p) => p.amount), ...raised.map((a) => a.data.amount)];
  const net = assessed.amountMinor + owed.reduce((n, m) => n + m.amountMinor, 0);
  const creditApplied = Math.min(state.credit, Math.max(net, 0));
  const { clientId, municipality, month, statementId } = command;
  // MonthAssessed directly before its StatementIssued, always: the statements read model finds the
  // statement's lines in the event just before it in the stream
  return [
    ...raised,
    {
      type: 'MonthAssessed',
      data: {
        clientId,
        municipality,
        month,
        statementId,
        lines: command.lines,
        total: assessed,
        knownThrough: command.knownThrough,
        knownAsOf: command.knownAsOf,
        siteCostVersions: command.siteCostVersions,
      },
    },
    {
      type: 'StatementIssued',
      data: {
        clientId,
        municipality,
        statementId,
        statementNumber: command.statementNumber,
        month,
        issuedOn: command.issuedOn,
        dueOn: command.dueOn,
        paymentReference: command.paymentReference,
        assessed,
        adjustments: [
          ...state.pending,
          ...raised.map((a) => ({ adjustmentId: a.data.adjustmentId, amount: a.data.amount })),
        ],
        creditApplied: eur(creditApplied),
        // a statement that comes out below zero owes nothing: the difference is carried as credit
        totalDue: eur(Math.max(net - creditApplied, 0)),
        stateShare: totalOf(command.lines.map((l) => ({ amount: l.stateShare }))),
      },
    },
  ];
}

export function evolve(state: Account, event: AccountEvent): Account {
  switch (event.type) {
    case 'MonthAssessed': {
      const charged = copyOf(state.charged);
      for (const l of event.data.lines)
        charged[key(event.data.month, l.placementId)] = {
          amount: l.amount.amountMinor,
          stateShare: l.stateShare.amountMinor,
          serviceType: l.serviceType,
          ...(l.convertedFromBgn ? { convertedFromBgn: true as const } : {}),
        };
      return {
        ...state,
        charged,
        stated: withEntry(state.stated, event.data.month, {
          statementId: event.data.statementId,
          ...knowledgeOf(event.data),
        }),
        ...(event.data.siteCostVersions
          ? { assessedWith: { ...knowledgeOf(event.data), siteCostVersions: event.data.siteCostVersions } }
          : {}),
      };
    }
    case 'AdjustmentRaised': {
      const d = event.data;
      const k = key(d.correctsMonth, d.placementId);
      const amount = (state.charged[k]?.amount ?? 0) + d.amount.amountMinor;
      // adjustments raised before they carried the state's share: the part the month had
      const stateShare = (state.charged[k]?.stateShare ?? 0) + (d.stateShare?.amountMinor ?? 0);
      return {
        ...state,
        charged: withEntry(state.charged, k, {
          amount,
          stateShare,
          serviceType: d.serviceType,
          ...(d.convertedFromBgn ? { convertedFromBgn: true as const } : {}),
        }),
        pending: [
          ...state.pending,
          { adjustmentId: d.adjustmentId, amount: d.amount, stateShare: d.stateShare?.amountMinor ?? 0 },
        ],
      };
    }
    case 'StatementIssued': {
      const d = event.data;
      const net = d.assessed.amountMinor + d.adjustments.reduce((n, a) => n + a.amount.amountMinor, 0);
      const { lots, taken } = spendCredit(state.creditLots, d.creditApplied.amountMinor);
      if (net < 0) lots.push({ from: `statement:${d.statementId}`, left: -net });
      return {
        ...state,
        owner: { clientId: d.clientId, municipality: d.municipality },
        pending: [],
        credit: state.credit - d.creditApplied.amountMinor + Math.max(-net, 0),
        creditLots: lots,
        statements: withEntry(state.statements, d.statementId, {
          month: d.month,
          dueOn: d.dueOn,
          totalDue: d.totalDue.amountMinor,
          outstanding: d.totalDue.amountMinor,
          // a state-funded charge on it, of the month or of an earlier one by adjustment (a stay learned
          // late comes as adjustments only)
          stateFunded: d.stateShare.amountMinor > 0 || state.pending.some((p) => (p.stateShare ?? 0) > 0),
          ...(Object.keys(taken).length ? { creditFrom: taken } : {}),
        }),
      };
    }
    case 'PaymentRecorded': {
      const d = event.data;
      return {
        ...state,
        statements: settle(state.statements, d.allocations, -1),
        credit: state.credit + d.toCredit.amountMinor,
        creditLots:
          d.toCredit.amountMinor > 0
            ? [...state.creditLots, { from: d.paymentId, left: d.toCredit.amountMinor }]
            : state.creditLots,
        payments: withEntry(state.payments, d.paymentId, {
          statementId: d.statementId,
          allocations: d.allocations,
          toCredit: d.toCredit.amountMinor,
          reversed: false,
          receivedOn: d.receivedOn,
        }),
        bankLines: d.bankLineKey ? withEntry(state.bankLines, d.bankLineKey, true as const) : state.bankLines,
      };
    }
    case 'PaymentReversed': {
      const d = event.data;
      const payment = state.payments[d.paymentId]!;
      // the payment's credit is gone: none of it is left to spend, and none is owed as spent any more
      const statements = settle(state.statements, d.reinstated, 1);
      for (const [id, s] of Object.entries(statements))
        if (s.creditFrom?.[d.paymentId] !== undefined) {
          const { [d.paymentId]: _, ...rest } = s.creditFrom;
          statements[id] = { ...s, creditFrom: rest };
        }
      return {
        ...state,
        statements,
        credit: state.credit - d.fromCredit.amountMinor,
        creditLots: takeBack(state.creditLots, d.paymentId, d.fromCredit.amountMinor),
        payments: withEntry(state.payments, d.paymentId, { ...payment, reversed: true }),
      };
    }
    case 'ArrearsThresholdReached':
      return { ...state, inArrears: true };
    case 'ArrearsSettled':
      return { ...state, inArrears: false };
  }
}

/** Statements with allocations taken off (−1) or put back (+1) what is owed. */
/** Spends `amount` of credit, oldest lot first: the lots left, and how much each spent lot gave. */
function spendCredit(lots: Account['creditLots'], amount: number) {
  const taken: Record<string, number> = {};
  const left: Account['creditLots'] = [];
  let due = amount;
  for (const lot of lots) {
    const spent = Math.min(lot.left, due);
    due -= spent;
    if (spent > 0) taken[lot.from] = spent;
    if (lot.left > spent) left.push({ from: lot.from, left: lot.left - spent });
  }
  return { lots: left, taken };
}

/**
 * Takes a reversed payment's credit back: its own lot goes, and what a reversal decided before credit
 * was traced took beyond it comes from the latest lots (as it then assumed).
 */
function takeBack(lots: Account['creditLots'], paymentId: string, amount: number): Account['creditLots'] {
  const own = lots.find((l) => l.from === paymentId)?.left ?? 0;
  let beyond = Math.max(amount - own, 0);
  const kept: Account['creditLots'] = [];
  for (const lot of lots.filter((l) => l.from !== paymentId).reverse()) {
    const taken = Math.min(lot.left, beyond);
    beyond -= taken;
    if (lot.left > taken) kept.unshift({ from: lot.from, left: lot.left - taken });
  }
  return kept;
}

function settle(statements: Account['statements'], allocations: readonly Allocation[], sign: 1 | -1) {
  const next = copyOf(statements);
  for (const a of allocations) {
    const s = next[a.statementId]!;
    next[a.statementId] = { ...s, outstanding: s.outstanding + sign * a.amount.amountMinor };
  }
  return next;
}

export const accountDecider: Decider<Account, AccountCommand, AccountEvent> = {
  initialState,
  decide,
  evolve,
};
