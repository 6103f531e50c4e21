import type {
  AbsenceEnded,
  AbsenceStarted,
  Admitted,
  ClientRegistered,
  DisabilityAssessed,
  Discharged,
  EventOf,
  FactRetracted,
  IncomeDeclared,
  LocalDate,
  Money,
  ServiceKind,
  ServiceTypeCode,
  Transferred,
} from '@casework/contracts';

/** The events a client's facts are folded from (validated against their schemas when consumed). */
export type Input =
  | EventOf<typeof ClientRegistered>
  | EventOf<typeof Admitted>
  | EventOf<typeof Transferred>
  | EventOf<typeof Discharged>
  | EventOf<typeof AbsenceStarted>
  | EventOf<typeof AbsenceEnded>
  | EventOf<typeof IncomeDeclared>
  | EventOf<typeof DisabilityAssessed>
  | EventOf<typeof FactRetracted>;

/** One event billing consumed about a client, in the order billing learned of it (`seq`). */
export type InputRow = Input & { seq: number; eventId: string };

/** A stay from placement's events: `[from, to)`, the events it rests on. */
export type Stay = {
  placementId: string;
  siteId: string;
  serviceType: ServiceTypeCode;
  kind: ServiceKind;
  municipality: string;
  from: LocalDate;
  to?: LocalDate;
  respite: boolean;
  events: string[];
};
export type Absence = {
  absenceId: string;
  placementId: string;
  from: LocalDate;
  returnedOn?: LocalDate;
  events: string[];
};
type Fact = { factId: string; validFrom: LocalDate; validTo?: LocalDate; eventId: string };
export type Income = Fact & { source: string; monthlyAmount: Money };
export type Disability = Fact & { degreePercent: number; outsideAssistanceNeeded: boolean };

/** What billing knows of a client, each item traced to the event it came from. */
export type ClientFacts = {
  birthDate?: { value: LocalDate; eventId: string };
  stays: Stay[];
  absences: Absence[];
  incomes: Income[];
  disabilities: Disability[];
};

type PlaceData = Pick<Stay, 'placementId' | 'siteId' | 'serviceType' | 'kind' | 'municipality'>;
const placeOf = (d: PlaceData) => ({
  placementId: d.placementId,
  siteId: d.siteId,
  serviceType: d.serviceType,
  kind: d.kind,
  municipality: d.municipality,
});

/**
 * Folds a client's inputs, in the order billing received them, into what is known: stays opened by an
 * admission or a transfer and ended by a transfer or a discharge (a discharge recorded late, with an
 * earlier date, corrects the end), absences, and the own incomes and disability decisions in force
 * (a correction replaces the fact it supersedes; a retracted fact no longer counts).
 */
export function foldInputs(rows: readonly InputRow[]): ClientFacts {
  const stays = new Map<string, Stay>();
  const absences = new Map<string, Absence>();
  const incomes = new Map<string, Income>();
  const disabilities = new Map<string, Disability>();
  let birthDate: ClientFacts['birthDate'];
  const open = (place: PlaceData, from: LocalDate, eventId: string, respite = false) =>
    stays.set(place.placementId, { ...placeOf(place), from, respite, events: [eventId] });
  const end = (placementId: string, on: LocalDate, eventId: string) => {
    const stay = stays.get(placementId);
    if (stay) stays.set(placementId, { ...stay, to: on, events: [...stay.events, eventId] });
  };
  for (const row of rows) {
    const { eventId } = row;
    switch (row.type) {
      case 'ClientRegistered':
        birthDate = { value: row.data.birthDate, eventId };
        break;
      case 'Admitted':
        open(row.data, row.data.on, eventId, row.data.respite === true);
        break;
      case 'Transferred':
        end(row.data.from.placementId, row.data.on, eventId);
        open(row.data.to, row.data.on, eventId);
        break;
      case 'Discharged':
        end(row.data.placementId, row.data.on, eventId);
        break;
      case 'AbsenceStarted': {
        const d = row.data;
        absences.set(d.absenceId, {
          absenceId: d.absenceId,
          placementId: d.placementId,
          from: d.from,
          events: [eventId],
        });
        break;
      }
      case 'AbsenceEnded': {
        const d = row.data;
        const before = absences.get(d.absenceId)?.events ?? [];
        absences.set(d.absenceId, {
          absenceId: d.absenceId,
          placementId: d.placementId,
          from: d.from,
          returnedOn: d.returnedOn,
          events: [...before, eventId],
        });
        break;
      }
      case 'IncomeDeclared': {
        const d = row.data;
        // a household member's income is theirs, not the client's
        if (d.memberId !== undefined) break;
        if (d.supersedes) incomes.delete(d.supersedes);
        incomes.set(d.factId, {
          factId: d.factId,
          validFrom: d.validFrom,
          ...(d.validTo ? { validTo: d.validTo } : {}),
          eventId,
          source: d.source,
          monthlyAmount: d.monthlyAmount,
        });
        break;
      }
      case 'DisabilityAssessed': {
        const d = row.data;
        if (d.supersedes) disabilities.delete(d.supersedes);
        disabilities.set(d.factId, {
          factId: d.factId,
          validFrom: d.validFrom,
          ...(d.validTo ? { validTo: d.validTo } : {}),
          eventId,
          degreePercent: d.degreePercent,
          outsideAssistanceNeeded: d.outsideAssistanceNeeded,
        });
        break;
      }
      case 'FactRetracted':
        incomes.delete(row.data.factId);
        disabilities.delete(row.data.factId);
        break;
    }
  }
  return {
    ...(birthDate ? { birthDate } : {}),
    stays: [...stays.values()],
    absences: [...absences.values()],
    incomes: [...incomes.values()],
    disabilities: [...disabilities.values()],
  };
}
