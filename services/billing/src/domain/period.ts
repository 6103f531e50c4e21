import {
  breaksRule,
  conflictWith,
  type Decider,
  type EventOf,
  type LocalDate,
  type Month,
  type PeriodClosed,
  type StatementNumbersAllocated,
} from '@casework/contracts';
import { monthEnd } from './billableDays.js';

export type PeriodEvent = EventOf<typeof StatementNumbersAllocated> | EventOf<typeof PeriodClosed>;

export type PeriodCommand =
  | { type: 'Allocate'; municipality: string; month: Month; count: number; today: LocalDate }
  | { type: 'Close'; municipality: string; month: Month; today: LocalDate };

/** A municipality's billing month: how many statement numbers it gave out, and whether it is closed. */
export type Period = { numbered: number; closedOn?: LocalDate };

export const initialState: Period = { numbered: 0 };

const ended = (month: Month, today: LocalDate, what: string) => {
  if (today < monthEnd(month))
    throw breaksRule('MONTH_NOT_ENDED', `${what} only after the month ends`, { month });
};

export function decide(command: PeriodCommand, state: Period): PeriodEvent[] {
  const { municipality, month } = command;
  switch (command.type) {
    case 'Allocate':
      ended(month, command.today, 'statements are issued');
      if (state.closedOn)
        throw conflictWith('PERIOD_CLOSED', `${month} is closed: late charges come as adjustments`);
      return [
        {
          type: 'StatementNumbersAllocated',
          data: { municipality, month, first: state.numbered + 1, count: command.count },
        },
      ];
    case 'Close':
      if (state.closedOn) return [];
      ended(month, command.today, 'a month is closed');
      return [
        {
          type: 'PeriodClosed',
          data: { municipality, month, closedOn: command.today, statements: state.numbered },
        },
      ];
  }
}

export function evolve(state: Period, event: PeriodEvent): Period {
  switch (event.type) {
    case 'StatementNumbersAllocated':
      return { ...state, numbered: state.numbered + event.data.count };
    case 'PeriodClosed':
      return { ...state, closedOn: event.data.closedOn };
  }
}

export const periodDecider: Decider<Period, PeriodCommand, PeriodEvent> = { initialState, decide, evolve };
