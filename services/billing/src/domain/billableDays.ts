import { addMonths, daysBetween, earliest, type LocalDate, latest, type Month } from '@casework/contracts';

/** A stay in one service: `[from, to)`, the admission day counts and the discharge day does not. */
export type StayDays = { from: LocalDate; to?: LocalDate };

/** An absence: away from `from` up to the day before `returnedOn`; not ended when `returnedOn` is absent. */
export type AbsenceDays = { absenceId: string; from: LocalDate; returnedOn?: LocalDate };

/** One run of days of the month, billed or not, and why. */
export type DaysLine = {
  from: LocalDate;
  /** Exclusive, as every period here. */
  to: LocalDate;
  days: number;
  billed: boolean;
  reason: 'in_service' | 'long_absence';
  /** The absence that exempts these days. */
  absenceId?: string;
};

export type BillableDays = { daysInMonth: number; billable: number; lines: DaysLine[] };

/** What the tariff says about absences: whole days of an absence longer than this many days are free. */
export type AbsenceRule = { exemptAbsenceOverDays: number };

export const monthStart = (month: Month): LocalDate => `${month}-01`;
export const monthEnd = (month: Month): LocalDate => addMonths(monthStart(month), 1);

/**
 * The days of `month` a stay bills: its days in the service that month (so on a transfer day the
 * receiving stay bills, the sending one's discharge day does not count), less every day of the month
 * inside an absence longer than the rule's threshold. An absence longer than the threshold is exempt
 * whole, even the part of it in another month; one not ended yet is as long as it is by the month's end
 * (if it grows past the threshold later, that is a late fact and an adjustment).
 */
export function billableDays(
  month: Month,
  stay: StayDays,
  absences: readonly AbsenceDays[],
  rule: AbsenceRule,
): BillableDays {
  const start = monthStart(month);
  const end = monthEnd(month);
  const daysInMonth = daysBetween(start, end);
  const from = latest(stay.from, start);
  const to = earliest(stay.to ?? end, end);
  if (from >= to) return { daysInMonth, billable: 0, lines: [] };

  // an absence lasts until the return (or by the month's end, not ended yet), never past the stay's end
  const exempt = absences
    .filter((a) => {
      const back = a.returnedOn ?? end;
      return daysBetween(a.from, stay.to ? earliest(back, stay.to) : back) > rule.exemptAbsenceOverDays;
    })
    .map((a) => ({
      absenceId: a.absenceId,
      from: latest(a.from, from),
      to: earliest(a.returnedOn ?? end, to),
    }))
    .filter((a) => a.from < a.to)
    .sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));

  const lines: DaysLine[] = [];
  // written out whole, not spread and extended in one literal: see clientFacts' note
  const push = (line: Omit<DaysLine, 'days'>) => {
    if (line.from < line.to)
      lines.push({
        from: line.from,
        to: line.to,
        days: daysBetween(line.from, line.to),
        billed: line.billed,
        reason: line.reason,
        ...(line.absenceId === undefined ? {} : { absenceId: line.absenceId }),
      });
  };
  let at = from;
  for (const a of exempt) {
    // overlapping absences (a correction recorded beside the original) exempt their days once
    const gapTo = latest(a.from, at);
    push({ from: at, to: gapTo, billed: true, reason: 'in_service' });
    push({
      from: gapTo,
      to: latest(a.to, gapTo),
      billed: false,
      reason: 'long_absence',
      absenceId: a.absenceId,
    });
    at = latest(at, a.to);
  }
  push({ from: at, to, billed: true, reason: 'in_service' });
  const billable = lines.reduce((n, l) => (l.billed ? n + l.days : n), 0);
  return { daysInMonth, billable, lines };
}
