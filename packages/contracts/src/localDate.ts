import { z } from 'zod';

const SOFIA = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Sofia',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

const YYYY_MM_DD = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** `YYYY-MM-DD` naming a day of the proleptic Gregorian calendar (by arithmetic: events hold many dates). */
export function isValidCalendarDate(value: string): boolean {
  const m = YYYY_MM_DD.exec(value);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : MONTH_DAYS[month - 1]!);
}

/** The dates the API accepts unless a field says otherwise: no service, person or rule lies outside. */
export const EARLIEST_DATE = '1900-01-01';
export const LATEST_DATE = '2100-12-31';

/**
 * Any calendar date PostgreSQL can hold (years 0001–9999), as recorded in events, and the dates an
 * answer derives (a deadline, a term's end, a validity: they may pass 2100 from a date near it). Events
 * are read for ever, so their dates are not narrowed after the fact; what the API accepts is `LocalDate`.
 */
export const CalendarDate = z
  .string()
  .refine((v) => isValidCalendarDate(v) && v >= '0001-01-01', {
    message: 'must be a calendar date YYYY-MM-DD',
  })
  .meta({ description: 'Calendar date in Europe/Sofia', example: '2026-03-01' });
export type CalendarDate = z.infer<typeof CalendarDate>;

/** A date of service, `YYYY-MM-DD`, understood in Europe/Sofia, from 1900-01-01 to 2100-12-31. */
export const LocalDate = z
  .string()
  .refine(isValidCalendarDate, { message: 'must be a calendar date YYYY-MM-DD', abort: true })
  .refine((v) => v >= EARLIEST_DATE && v <= LATEST_DATE, {
    message: `must be between ${EARLIEST_DATE} and ${LATEST_DATE}`,
  })
  .meta({ description: 'Calendar date in Europe/Sofia, 1900-01-01 to 2100-12-31', example: '2026-03-01' });
export type LocalDate = z.infer<typeof LocalDate>;

/**
 * An instant as ISO 8601 UTC (`2026-03-01T09:30:00Z`), within the same years as `LocalDate`: for the
 * times a request names (`knownAt`, `from`, `to`).
 */
export const Instant = z.iso
  .datetime()
  .refine((v) => v.slice(0, 10) >= EARLIEST_DATE && v.slice(0, 10) <= LATEST_DATE, {
    message: `must be between ${EARLIEST_DATE} and ${LATEST_DATE}`,
  })
  .meta({ description: 'ISO 8601 date and time in UTC, years 1900–2100', example: '2026-03-01T09:30:00Z' });

// Sofia is UTC+2, or UTC+3 in summer: its date changes only on a full hour of UTC, so the date of the
// last hour asked about is kept (formatting a date costs as much as the rest of a small request)
let lastHour = Number.NaN;
let lastDate = '';

/** The calendar date in Sofia at the instant `at`. */
export function sofiaDate(at: Date): LocalDate {
  const hour = Math.floor(at.getTime() / 3_600_000);
  if (hour !== lastHour) {
    lastDate = SOFIA.format(at);
    lastHour = hour;
  }
  return lastDate;
}

// Date arithmetic on the fields, formatted by hand: re-evaluating the whole population adds months and
// days a few million times, and going through Date and toISOString cost a tenth of its evaluation.
const field = (date: LocalDate, from: number, to: number) => Number(date.slice(from, to));
const two = (n: number) => (n < 10 ? `0${n}` : String(n));
const formatted = (y: number, m: number, d: number): LocalDate =>
  `${String(y).padStart(4, '0')}-${two(m)}-${two(d)}`;
const isLeap = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysIn = (y: number, m: number) => (m === 2 && isLeap(y) ? 29 : DAYS_IN_MONTH[m - 1]!);

export function addDays(date: LocalDate, days: number): LocalDate {
  const d = field(date, 8, 10) + days;
  // within the month: no calendar needed (most additions in an assessment are)
  if (d >= 1 && d <= 28) return `${date.slice(0, 8)}${two(d)}`;
  return civil(epochDay(date) + days);
}

/** The same day `months` later; a day the month lacks becomes its last day (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(date: LocalDate, months: number): LocalDate {
  const index = field(date, 0, 4) * 12 + field(date, 5, 7) - 1 + months;
  const y = Math.floor(index / 12);
  const m = index - y * 12 + 1;
  return formatted(y, m, Math.min(field(date, 8, 10), daysIn(y, m)));
}

/** Days since 1970-01-01 of a proleptic Gregorian date (the civil-days algorithm of H. Hinnant). */
function epochDay(date: LocalDate): number {
  const m = field(date, 5, 7);
  const y = field(date, 0, 4) - (m <= 2 ? 1 : 0);
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + field(date, 8, 10) - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/** The date `days` after 1970-01-01 (the inverse of `epochDay`). */
function civil(days: number): LocalDate {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return formatted(yoe + era * 400 + (m <= 2 ? 1 : 0), m, d);
}

export function daysBetween(from: LocalDate, to: LocalDate): number {
  return epochDay(to) - epochDay(from);
}

/** Age in whole years on `on` for someone born on `birthDate`. */
export function ageOn(birthDate: LocalDate, on: LocalDate): number {
  const bm = field(birthDate, 5, 7);
  const m = field(on, 5, 7);
  return (
    field(on, 0, 4) -
    field(birthDate, 0, 4) -
    (m < bm || (m === bm && field(on, 8, 10) < field(birthDate, 8, 10)) ? 1 : 0)
  );
}

/**
 * A half-open period of days `[from, to)`: `from` counts, `to` does not (a stay admitted on the 1st and
 * discharged on the 5th covers 4 days). An absent `to` is open-ended.
 */
export const DatePeriod = z
  .object({ from: LocalDate, to: LocalDate.optional() })
  .refine((p) => p.to === undefined || p.from <= p.to, {
    message: 'from must not be after to',
    path: ['to'],
  });
export type DatePeriod = z.infer<typeof DatePeriod>;

export function periodContains(p: DatePeriod, date: LocalDate): boolean {
  return p.from <= date && (p.to === undefined || date < p.to);
}

export function periodsOverlap(a: DatePeriod, b: DatePeriod): boolean {
  return (a.to === undefined || b.from < a.to) && (b.to === undefined || a.from < b.to);
}

export function periodDays(p: DatePeriod & { to: LocalDate }): number {
  return daysBetween(p.from, p.to);
}

/** Code-point order, the order ISO dates and times are written for, and far cheaper than a locale's. */
export const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The earliest of some dates (ISO dates compare as strings). */
export const earliest = (first: LocalDate, ...rest: LocalDate[]): LocalDate =>
  rest.reduce((a, b) => (byCodePoint(b, a) < 0 ? b : a), first);

/** The latest of some dates. */
export const latest = (first: LocalDate, ...rest: LocalDate[]): LocalDate =>
  rest.reduce((a, b) => (byCodePoint(b, a) > 0 ? b : a), first);
