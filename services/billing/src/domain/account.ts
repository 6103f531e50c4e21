import {
  type AdjustmentRaised,
  type AssessmentLine,
  type Decider,
  type EventOf,
  eur,
  type LocalDate,
  type Money,
  type Month,
  type MonthAssessed,
  type StatementIssued,
} from '@casework/contracts';
import { totalOf } from './assessMonth.js';

export type AccountEvent =
  | EventOf<typeof MonthAssessed>
  | EventOf<typeof AdjustmentRaised>
  | EventOf<typeof StatementIssued>;

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
  knownThrough: number;
  /** Earlier months stated or closed, assessed again; a difference per stay is an adjustment. */
  reassessed: Reassessment[];
  /** Fresh ids for the adjustments this statement may raise (one per reassessed line at most). */
  adjustmentIds: string[];
};
export type AccountCommand = IssueStatement;

/** A client's account with one municipality: what each month was stated and charged, and what is pending. */
export type Account = {
  /** Months with a statement, and the last input their assessment knew. */
  stated: Record<Month, { statementId: string; knownThrough: number }>;
  /** Per `<month> <placementId>`: what the stay has been charged for the month, adjustments included. */
  charged: Record<string, { amount: number; serviceType: AssessmentLine['serviceType'] }>;
  /** Adjustments raised and not yet on a statement. */
  pending: { adjustmentId: string; amount: Money }[];
  /** Euro cents owed to the client, set against the next statements. */
  credit: number;
};

export const initialState: Account = { stated: {}, charged: {}, pending: [], credit: 0 };

const key = (month: Month, placementId: string) => `${month} ${placementId}`;

/** Each stay's difference between what a month was charged and what it comes to now. */
function adjustments(command: IssueStatement, state: Account): EventOf<typeof AdjustmentRaised>[] {
  const ids = [...command.adjustmentIds];
  const raised: EventOf<typeof AdjustmentRaised>[] = [];
  for (const r of command.reassessed) {
    const lines = new Map(r.lines.map((l) => [l.placementId, l]));
    const placements = new Set([
      ...lines.keys(),
      ...Object.keys(state.charged)
        .filter((k) => k.startsWith(`${r.month} `))
        .map((k) => k.slice(r.month.length + 1)),
    ]);
    for (const placementId of [...placements].sort()) {
      const line = lines.get(placementId);
      const before = state.charged[key(r.month, placementId)];
      const billed = before?.amount ?? 0;
      const corrected = line?.amount.amountMinor ?? 0;
      if (billed === corrected) continue;
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
          causedBy: r.learned,
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
  if (state.stated[command.month]) return [];
  const raised = adjustments(command, state);
  const assessed = totalOf(command.lines);
  const owed = [...state.pending.map((p) => p.amount), ...raised.map((a) => a.data.amount)];
  const net = assessed.amountMinor + owed.reduce((n, m) => n + m.amountMinor, 0);
  const creditApplied = Math.min(state.credit, Math.max(net, 0));
  const { clientId, municipality, month, statementId } = command;
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
      const charged = { ...state.charged };
      for (const l of event.data.lines)
        charged[key(event.data.month, l.placementId)] = {
          amount: l.amount.amountMinor,
          serviceType: l.serviceType,
        };
      return {
        ...state,
        charged,
        stated: {
          ...state.stated,
          [event.data.month]: { statementId: event.data.statementId, knownThrough: event.data.knownThrough },
        },
      };
    }
    case 'AdjustmentRaised': {
      const d = event.data;
      const k = key(d.correctsMonth, d.placementId);
      const amount = (state.charged[k]?.amount ?? 0) + d.amount.amountMinor;
      return {
        ...state,
        charged: { ...state.charged, [k]: { amount, serviceType: d.serviceType } },
        pending: [...state.pending, { adjustmentId: d.adjustmentId, amount: d.amount }],
      };
    }
    case 'StatementIssued': {
      const d = event.data;
      const net = d.assessed.amountMinor + d.adjustments.reduce((n, a) => n + a.amount.amountMinor, 0);
      return {
        ...state,
        pending: [],
        credit: state.credit - d.creditApplied.amountMinor + Math.max(-net, 0),
      };
    }
  }
}

export const accountDecider: Decider<Account, AccountCommand, AccountEvent> = {
  initialState,
  decide,
  evolve,
};
