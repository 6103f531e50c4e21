import { addMonths, type LocalDate, type Month } from '@casework/contracts';
import { monthEnd } from './billableDays.js';

/**
 * By the due day of the month after `month`; a statement issued late (a month run after its due day)
 * is due by the next due day after its issue, never before it was sent.
 */
export function dueDate(month: Month, issuedOn: LocalDate, dueDay: number): LocalDate {
  const day = String(dueDay).padStart(2, '0');
  const nominal = `${monthEnd(month).slice(0, 7)}-${day}`;
  if (issuedOn < nominal) return nominal;
  const thisMonth = `${issuedOn.slice(0, 7)}-${day}`;
  return issuedOn < thisMonth ? thisMonth : `${addMonths(thisMonth, 1).slice(0, 7)}-${day}`;
}
