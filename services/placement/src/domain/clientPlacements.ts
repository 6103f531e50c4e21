import type { StayPlace } from '@casework/contracts';
import {
  type AbsenceEnded,
  type AbsenceStarted,
  type Admitted,
  breaksRule,
  conflictWith,
  type Decider,
  type Discharged,
  daysBetween,
  type EmergencyAdmissionJustified,
  type EventOf,
  type LocalDate,
  type TermRenewed,
  type Transferred,
} from '@casework/contracts';
import type { z } from 'zod';

export type PlacementEvent =
  | EventOf<typeof Admitted>
  | EventOf<typeof EmergencyAdmissionJustified>
  | EventOf<typeof Transferred>
  | EventOf<typeof TermRenewed>
  | EventOf<typeof Discharged>
  | EventOf<typeof AbsenceStarted>
  | EventOf<typeof AbsenceEnded>;

type Place = z.infer<typeof StayPlace>;
type AdmittedData = EventOf<typeof Admitted>['data'];
type DischargedData = EventOf<typeof Discharged>['data'];

/** One stay of the client: in service from `from` until `to` (the day it ended; null while it runs). */
export type Stay = Place & {
  from: LocalDate;
  to: LocalDate | null;
  termEnd?: LocalDate | undefined;
  /** How often the fixed term was renewed after a review. */
  renewals?: number;
  respite?: true;
  weekdays?: number[] | undefined;
  basis: AdmittedData['basis'] | 'transfer';
  endReason?: DischargedData['reason'];
  destination?: DischargedData['destination'];
  transferredFrom?: string;
  transferredTo?: string;
  /** Absences in order; `returnedOn` is the first day back. */
  absences: Absence[];
};

type AbsenceKind = EventOf<typeof AbsenceStarted>['data']['kind'];
export type Absence = { absenceId: string; from: LocalDate; returnedOn?: LocalDate; kind: AbsenceKind };

export type ClientPlacements = { clientId?: string; stays: Map<string, Stay> };

type Terms = { termEnd?: LocalDate | undefined; weekdays?: number[] | undefined };

export type PlacementCommand =
  | ({
      type: 'Admit';
      clientId: string;
      place: Place;
      on: LocalDate;
      basis: AdmittedData['basis'];
      offerId?: string | undefined;
      emergency?: { justification: string; supervisor: string } | undefined;
      /** A respite stay, with the days a client may spend in respite care in a calendar year. */
      respite?: { daysPerYear: number } | undefined;
    } & Terms)
  | ({ type: 'Transfer'; clientId: string; from: string; to: Place; on: LocalDate } & Terms)
  | { type: 'StartAbsence'; placementId: string; absenceId: string; from: LocalDate; kind: AbsenceKind }
  | { type: 'EndAbsence'; placementId: string; absenceId: string; returnedOn: LocalDate }
  | {
      type: 'Renew';
      placementId: string;
      reviewedOn: LocalDate;
      termEnd: LocalDate;
      /** How many renewals the service type allows a stay (null: no limit). */
      renewalsAllowed: number | null;
    }
  | {
      type: 'Discharge';
      placementId: string;
      on: LocalDate;
      reason: DischargedData['reason'];
      destination: DischargedData['destination'];
    };

export const initialState: ClientPlacements = { stays: new Map() };

const residential = (kind: Place['kind']) => kind.startsWith('residential');

/**
 * A client holds at most one residential stay on any date, and not two stays of the same day or
 * community service type at once. A new stay runs from its first day with no end yet, so it clashes
 * with every stay of its class that has not ended by then.
 */
function assertNoClash(state: ClientPlacements, place: Place, from: LocalDate, except?: string) {
  for (const [id, s] of state.stays) {
    if (id === except || (s.to !== null && s.to <= from)) continue;
    const clash = residential(place.kind)
      ? residential(s.kind)
      : !residential(s.kind) && s.serviceType === place.serviceType;
    if (clash)
      throw conflictWith(
        residential(place.kind) ? 'RESIDENTIAL_OVERLAP' : 'SAME_SERVICE_OVERLAP',
        residential(place.kind)
          ? `the client already has a residential placement from ${s.from}${s.to ? ` until ${s.to}` : ''}`
          : `the client already uses this service from ${s.from}`,
        { placementId: id, from: s.from, ...(s.to ? { to: s.to } : {}) },
      );
  }
}

function assertTerms(place: Place, on: LocalDate, terms: Terms) {
  if (terms.termEnd !== undefined && terms.termEnd <= on)
    throw breaksRule('TERM_END_BEFORE_START', 'the term must end after the first day in service');
  if (terms.weekdays !== undefined && place.kind !== 'day')
    throw breaksRule('WEEKDAYS_FOR_DAY_SERVICES', 'an attendance pattern belongs to day services only');
}

function running(state: ClientPlacements, placementId: string): Stay {
  const s = state.stays.get(placementId);
  if (!s) throw conflictWith('PLACEMENT_NOT_FOUND', 'no such placement');
  if (s.to !== null)
    throw conflictWith('PLACEMENT_ENDED', `the placement ended on ${s.to}`, { endedOn: s.to });
  return s;
}

const placeOf = (s: Stay & { placementId: string }): Place => ({
  placementId: s.placementId,
  siteId: s.siteId,
  serviceType: s.serviceType,
  kind: s.kind,
  municipality: s.municipality,
});

/** Whose stay and where: the subject every event about a running stay carries. */
const stayOf = (state: ClientPlacements, stay: Stay, placementId: string) => ({
  clientId: state.clientId!,
  ...placeOf({ ...stay, placementId }),
});

/** The days of [from, until) that fall in each calendar year. */
function daysPerYear(from: LocalDate, until: LocalDate): Map<string, number> {
  const out = new Map<string, number>();
  for (let start = from; start < until; ) {
    const year = start.slice(0, 4);
    const next = `${Number(year) + 1}-01-01`;
    const end = until < next ? until : next;
    out.set(year, (out.get(year) ?? 0) + daysBetween(start, end));
    start = end;
  }
  return out;
}

/**
 * Respite care is at most so many days a calendar year: the new stay's days in each year it touches,
 * with those of the client's other respite stays (ended ones to their end, running ones to their term).
 */
function assertRespiteWithin(
  state: ClientPlacements,
  place: Place,
  on: LocalDate,
  terms: Terms,
  limit: number,
) {
  if (place.kind !== 'residential')
    throw breaksRule('RESPITE_NOT_OFFERED', 'respite care is a stay in residential care');
  if (terms.termEnd === undefined)
    throw breaksRule('RESPITE_NEEDS_END', 'a respite stay is planned with its last day (termEnd)');
  const used = new Map<string, number>();
  for (const s of state.stays.values()) {
    const until = s.to ?? s.termEnd;
    if (!s.respite || until === undefined) continue;
    for (const [year, days] of daysPerYear(s.from, until)) used.set(year, (used.get(year) ?? 0) + days);
  }
  for (const [year, days] of daysPerYear(on, terms.termEnd)) {
    const before = used.get(year) ?? 0;
    if (before + days > limit)
      throw breaksRule(
        'RESPITE_LIMIT',
        `respite care is at most ${limit} days in ${year}: ${before} used, ${days} asked`,
        { year: Number(year), used: before, asked: days, limit },
      );
  }
}

/** The terms given, without the ones left out. */
export const termsOf = (t: Terms) => ({
  ...(t.termEnd !== undefined ? { termEnd: t.termEnd } : {}),
  ...(t.weekdays !== undefined ? { weekdays: t.weekdays } : {}),
});

export function decide(command: PlacementCommand, state: ClientPlacements): PlacementEvent[] {
  switch (command.type) {
    case 'Admit': {
      const { place, on, clientId } = command;
      if (state.stays.has(place.placementId)) return [];
      assertTerms(place, on, command);
      assertNoClash(state, place, on);
      if (command.respite) assertRespiteWithin(state, place, on, command, command.respite.daysPerYear);
      const admitted: PlacementEvent = {
        type: 'Admitted',
        data: {
          clientId,
          ...place,
          on,
          ...termsOf(command),
          basis: command.basis,
          ...(command.offerId ? { offerId: command.offerId } : {}),
          ...(command.respite ? { respite: true as const } : {}),
        },
      };
      if (!command.emergency) return [admitted];
      return [
        admitted,
        {
          type: 'EmergencyAdmissionJustified',
          data: { clientId, placementId: place.placementId, ...command.emergency },
        },
      ];
    }
    case 'Transfer': {
      const from = running(state, command.from);
      if (command.on <= from.from)
        throw breaksRule(
          'TRANSFER_ON_FIRST_DAY',
          `the stay began on ${from.from}: transfer from the day after`,
        );
      if (command.to.siteId === from.siteId)
        throw breaksRule('SAME_SITE', 'a transfer moves the client to another site');
      assertTerms(command.to, command.on, command);
      assertNoClash(state, command.to, command.on, command.from);
      return [
        {
          type: 'Transferred',
          data: {
            clientId: command.clientId,
            on: command.on,
            from: placeOf({ ...from, placementId: command.from }),
            to: { ...command.to, ...termsOf(command) },
          },
        },
      ];
    }
    case 'StartAbsence': {
      const stay = running(state, command.placementId);
      if (stay.absences.some((a) => a.absenceId === command.absenceId)) return [];
      if (command.from < stay.from) throw breaksRule('BEFORE_ADMISSION', `the stay began on ${stay.from}`);
      const clash = stay.absences.find((a) => a.returnedOn === undefined || a.returnedOn > command.from);
      if (clash && (clash.returnedOn === undefined || clash.from <= command.from))
        throw conflictWith('ABSENCE_OVERLAP', `already away from ${clash.from}`, {
          absenceId: clash.absenceId,
        });
      return [
        {
          type: 'AbsenceStarted',
          data: {
            ...stayOf(state, stay, command.placementId),
            absenceId: command.absenceId,
            from: command.from,
            kind: command.kind,
          },
        },
      ];
    }
    case 'EndAbsence': {
      const stay = state.stays.get(command.placementId);
      const absence = stay?.absences.find((a) => a.absenceId === command.absenceId);
      if (!stay || !absence) throw conflictWith('ABSENCE_NOT_FOUND', 'no such absence');
      if (absence.returnedOn !== undefined) {
        if (absence.returnedOn === command.returnedOn) return [];
        throw conflictWith('ABSENCE_ENDED', `the person came back on ${absence.returnedOn}`);
      }
      if (command.returnedOn <= absence.from)
        throw breaksRule('RETURN_BEFORE_LEAVING', `the absence began on ${absence.from}`);
      return [
        {
          type: 'AbsenceEnded',
          data: {
            ...stayOf(state, stay, command.placementId),
            absenceId: command.absenceId,
            from: absence.from,
            returnedOn: command.returnedOn,
            kind: absence.kind,
            days: daysBetween(absence.from, command.returnedOn),
          },
        },
      ];
    }
    case 'Renew': {
      const stay = running(state, command.placementId);
      const renewals = stay.renewals ?? 0;
      if (stay.termEnd === command.termEnd && renewals > 0) return [];
      if (stay.termEnd === undefined)
        throw breaksRule('NO_FIXED_TERM', 'only residential stays have a fixed term to renew');
      if (stay.respite)
        throw breaksRule(
          'RESPITE_NOT_RENEWED',
          'a respite stay is not renewed: admit again within the yearly limit',
        );
      if (command.reviewedOn < stay.from)
        throw breaksRule('BEFORE_ADMISSION', `the stay began on ${stay.from}`, { from: stay.from });
      if (command.termEnd <= stay.termEnd)
        throw breaksRule('TERM_NOT_EXTENDED', `the term already runs until ${stay.termEnd}`, {
          termEnd: stay.termEnd,
        });
      if (command.renewalsAllowed !== null && renewals >= command.renewalsAllowed)
        throw breaksRule(
          'RENEWALS_EXHAUSTED',
          `a ${stay.serviceType} term is renewed at most ${command.renewalsAllowed} time(s)`,
          { renewals, allowed: command.renewalsAllowed },
        );
      return [
        {
          type: 'TermRenewed',
          data: {
            ...stayOf(state, stay, command.placementId),
            reviewedOn: command.reviewedOn,
            previousTermEnd: stay.termEnd,
            termEnd: command.termEnd,
            renewal: renewals + 1,
          },
        },
      ];
    }
    case 'Discharge': {
      const s = state.stays.get(command.placementId);
      if (s?.to === command.on && s.endReason === command.reason) return [];
      const stay = running(state, command.placementId);
      if (command.on < stay.from)
        throw breaksRule('BEFORE_ADMISSION', `the stay began on ${stay.from}`, { from: stay.from });
      return [
        {
          type: 'Discharged',
          data: {
            ...stayOf(state, stay, command.placementId),
            on: command.on,
            reason: command.reason,
            destination: command.destination,
          },
        },
      ];
    }
  }
}

export function evolve(state: ClientPlacements, event: PlacementEvent): ClientPlacements {
  const stays = new Map(state.stays);
  switch (event.type) {
    case 'Admitted': {
      const { clientId, on, offerId: _, ...rest } = event.data;
      stays.set(rest.placementId, { ...rest, from: on, to: null, absences: [] });
      return { clientId, stays };
    }
    case 'Transferred': {
      const { from, to, on } = event.data;
      const left = stays.get(from.placementId)!;
      stays.set(from.placementId, {
        ...left,
        to: on,
        endReason: 'moved_to_other_service',
        destination: { kind: 'site', siteId: to.siteId },
        transferredTo: to.placementId,
      });
      stays.set(to.placementId, {
        ...to,
        from: on,
        to: null,
        basis: 'transfer',
        transferredFrom: from.placementId,
        absences: [],
      });
      return { ...state, stays };
    }
    case 'TermRenewed': {
      const s = stays.get(event.data.placementId)!;
      stays.set(event.data.placementId, { ...s, termEnd: event.data.termEnd, renewals: event.data.renewal });
      return { ...state, stays };
    }
    case 'Discharged': {
      const s = stays.get(event.data.placementId)!;
      stays.set(event.data.placementId, {
        ...s,
        to: event.data.on,
        endReason: event.data.reason,
        destination: event.data.destination,
      });
      return { ...state, stays };
    }
    case 'AbsenceStarted': {
      const s = stays.get(event.data.placementId)!;
      const { absenceId, from, kind } = event.data;
      stays.set(event.data.placementId, { ...s, absences: [...s.absences, { absenceId, from, kind }] });
      return { ...state, stays };
    }
    case 'AbsenceEnded': {
      const s = stays.get(event.data.placementId)!;
      const absences = s.absences.map((a) =>
        a.absenceId === event.data.absenceId ? { ...a, returnedOn: event.data.returnedOn } : a,
      );
      stays.set(event.data.placementId, { ...s, absences });
      return { ...state, stays };
    }
    case 'EmergencyAdmissionJustified':
      return state;
  }
}

export const placementDecider: Decider<ClientPlacements, PlacementCommand, PlacementEvent> = {
  initialState,
  decide,
  evolve,
};
