import {
  type AttendanceRecorded,
  breaksRule,
  type Decider,
  type EventOf,
  type LocalDate,
} from '@casework/contracts';
import type { Stay } from './clientPlacements.js';

export type AttendanceEvent = EventOf<typeof AttendanceRecorded>;

/** One enrolment's register: attended or not, per date. */
export type Register = { days: Map<LocalDate, boolean> };

export type AttendanceCommand = {
  type: 'Record';
  clientId: string;
  placementId: string;
  stay: Stay;
  date: LocalDate;
  attended: boolean;
};

export const initialState: Register = { days: new Map() };

/** ISO weekday of a date: 1 = Monday … 7 = Sunday. */
export const isoWeekday = (date: LocalDate) => {
  const d = new Date(`${date}T00:00:00Z`).getUTCDay();
  return d === 0 ? 7 : d;
};

export function decide(c: AttendanceCommand, register: Register): AttendanceEvent[] {
  const { stay } = c;
  if (stay.kind !== 'day') throw breaksRule('NOT_A_DAY_SERVICE', 'attendance is recorded for day services');
  if (c.date < stay.from || (stay.to !== null && c.date >= stay.to))
    throw breaksRule('OUTSIDE_ENROLMENT', `enrolled from ${stay.from}${stay.to ? ` until ${stay.to}` : ''}`);
  if (register.days.get(c.date) === c.attended) return [];
  return [
    {
      type: 'AttendanceRecorded',
      data: {
        clientId: c.clientId,
        placementId: c.placementId,
        siteId: stay.siteId,
        serviceType: stay.serviceType,
        kind: stay.kind,
        municipality: stay.municipality,
        date: c.date,
        attended: c.attended,
        expected: stay.weekdays?.includes(isoWeekday(c.date)) ?? true,
      },
    },
  ];
}

export function evolve(register: Register, e: AttendanceEvent): Register {
  const days = new Map(register.days);
  days.set(e.data.date, e.data.attended);
  return { days };
}

export const attendanceDecider: Decider<Register, AttendanceCommand, AttendanceEvent> = {
  initialState,
  decide,
  evolve,
};
