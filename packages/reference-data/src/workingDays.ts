import { addDays, type LocalDate } from '@casework/contracts';
import Holidays from 'date-holidays';

/**
 * Bulgarian non-working days: weekends and the public holidays of the Labour Code (art. 154) as the
 * `date-holidays` library knows them. Two things the library leaves out are added by rule, not by a
 * table of dates: 26 December is a public holiday, and a holiday other than Easter that falls on a
 * weekend moves to the first working day after it.
 */
const calendar = new Holidays('BG', { types: ['public'] });
calendar.setHoliday('12-26', {
  name: { bg: 'Втори ден на Коледа', en: 'Second day of Christmas' },
  type: 'public',
});

const byYear = new Map<number, Set<LocalDate>>();

const isWeekend = (date: LocalDate) => {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day === 0 || day === 6;
};

function holidaysOf(year: number): Set<LocalDate> {
  const cached = byYear.get(year);
  if (cached) return cached;
  const holidays = calendar.getHolidays(year).filter((h) => h.type === 'public');
  const days = new Set(holidays.map((h) => h.date.slice(0, 10)));
  for (const h of holidays) {
    const date = h.date.slice(0, 10);
    if (!isWeekend(date) || /easter|великден|петък/i.test(`${h.rule} ${h.name}`)) continue;
    let moved = addDays(date, 1);
    while (isWeekend(moved) || days.has(moved)) moved = addDays(moved, 1);
    days.add(moved);
  }
  byYear.set(year, days);
  return days;
}

export const isWorkingDay = (date: LocalDate): boolean =>
  !isWeekend(date) && !holidaysOf(Number(date.slice(0, 4))).has(date);

/** The working day `n` working days after `date` (`date` itself does not count). */
export function addWorkingDays(date: LocalDate, n: number): LocalDate {
  let d = date;
  for (let left = n; left > 0; ) {
    d = addDays(d, 1);
    if (isWorkingDay(d)) left--;
  }
  return d;
}
