import { z } from 'zod';
import { MunicipalityCode } from '../../codes.js';
import { defineEvent } from '../../eventCatalogue.js';
import { CalendarDate } from '../../localDate.js';
import { ServiceKind, ServiceTypeCode } from '../../serviceType.js';
import { ClientId } from '../intake/clients.js';
import { PlacementId, SiteId } from './sites.js';

export const DischargeReason = z.enum([
  'more_independent_living',
  'returned_to_family',
  'moved_to_other_service',
  'moved_out_of_municipality',
  'long_term_hospital',
  'own_request',
  'breach_of_agreement',
  'eligibility_lapsed',
  'deceased',
]);

/** Where a person went: a service type or site, or one of the places outside the system. */
export const Destination = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('service_type'), serviceType: ServiceTypeCode }),
  z.object({ kind: z.literal('site'), siteId: SiteId }),
  z.object({ kind: z.enum(['family_home', 'own_housing', 'unknown']) }),
]);

/** ISO weekdays (1 = Monday … 7 = Sunday) a day service expects the person. */
export const Weekdays = z
  .array(z.number().int().min(1).max(7))
  .min(1)
  .max(7)
  .refine((d) => new Set(d).size === d.length, 'each weekday once')
  .meta({ description: 'ISO weekdays, 1 = Monday … 7 = Sunday', example: [1, 2, 3, 4, 5] });

/** One stay's where and what. */
export const StayPlace = z.object({
  placementId: PlacementId,
  siteId: SiteId,
  serviceType: ServiceTypeCode,
  kind: ServiceKind,
  municipality: MunicipalityCode,
});

export const AdmissionBasis = z.enum(['offer', 'emergency']);

export const Admitted = defineEvent({
  service: 'placement',
  name: 'Admitted',
  version: 1,
  published: true,
  forIntegrators: true,
  description:
    'A client was admitted to a site (or enrolled in a day service) from a date: the admission day is ' +
    'the first day in service. Residential stays carry the end of their fixed term.',
  schema: z
    .object({
      clientId: ClientId,
      ...StayPlace.shape,
      on: CalendarDate,
      termEnd: CalendarDate.optional().meta({ description: 'End of the fixed term, renewed after a review' }),
      weekdays: Weekdays.optional().meta({ description: 'Day services: the expected attendance pattern' }),
      basis: AdmissionBasis,
      offerId: z.uuid().optional(),
      respite: z
        .literal(true)
        .optional()
        .meta({ description: 'Respite care: a short residential stay within the yearly limit of days' }),
    })
    .meta({ id: 'Admitted' }),
});

export const EmergencyAdmissionJustified = defineEvent({
  service: 'placement',
  name: 'EmergencyAdmissionJustified',
  version: 1,
  published: false,
  description: "The supervisor's written justification of an emergency admission, and who gave it.",
  schema: z.object({
    clientId: ClientId,
    placementId: PlacementId,
    justification: z.string(),
    supervisor: z.string(),
  }),
});

export const Transferred = defineEvent({
  service: 'placement',
  name: 'Transferred',
  version: 1,
  published: true,
  forIntegrators: true,
  description:
    'A client moved from one stay to another on a date, with no gap and no overlap: the first stay ' +
    'ends that day (not billed) and the second begins it (billed by the receiving service).',
  schema: z
    .object({
      clientId: ClientId,
      on: CalendarDate,
      from: StayPlace,
      to: StayPlace.extend({ termEnd: CalendarDate.optional(), weekdays: Weekdays.optional() }),
    })
    .meta({ id: 'Transferred' }),
});

export const TermRenewed = defineEvent({
  service: 'placement',
  name: 'TermRenewed',
  version: 1,
  published: true,
  forIntegrators: true,
  description:
    "A residential stay's fixed term was renewed after a review: it now ends on `termEnd` instead of " +
    '`previousTermEnd`. Social housing with special status is renewed a limited number of times.',
  schema: z
    .object({
      clientId: ClientId,
      ...StayPlace.shape,
      reviewedOn: CalendarDate,
      previousTermEnd: CalendarDate,
      termEnd: CalendarDate,
      renewal: z.number().int().min(1).meta({ description: '1 for the first renewal of this stay' }),
    })
    .meta({ id: 'TermRenewed' }),
});

export const Discharged = defineEvent({
  service: 'placement',
  name: 'Discharged',
  version: 1,
  published: true,
  forIntegrators: true,
  description:
    'A stay ended on a date (the discharge day is not a day in service), with its reason and where the ' +
    'person went. A discharge recorded late corrects occupancy from its date on.',
  schema: z
    .object({
      clientId: ClientId,
      ...StayPlace.shape,
      on: CalendarDate,
      reason: DischargeReason,
      destination: Destination,
    })
    .meta({ id: 'Discharged' }),
});

export const AbsenceKind = z.enum(['hospital', 'holiday', 'family', 'other']);

const stay = { clientId: ClientId, ...StayPlace.shape };

export const AbsenceStarted = defineEvent({
  service: 'placement',
  name: 'AbsenceStarted',
  version: 1,
  published: true,
  forIntegrators: true,
  description: 'A temporary absence began on a date; the place is kept.',
  schema: z
    .object({ ...stay, absenceId: z.uuid(), from: CalendarDate, kind: AbsenceKind })
    .meta({ id: 'AbsenceStarted' }),
});

export const AbsenceEnded = defineEvent({
  service: 'placement',
  name: 'AbsenceEnded',
  version: 1,
  published: true,
  forIntegrators: true,
  description:
    'The person came back on `returnedOn`: the days away are from `from` up to the day before. Hospital ' +
    'stays do not count towards the yearly absence limit.',
  schema: z
    .object({
      ...stay,
      absenceId: z.uuid(),
      from: CalendarDate,
      returnedOn: CalendarDate,
      kind: AbsenceKind,
      days: z.number().int().min(0),
    })
    .meta({ id: 'AbsenceEnded' }),
});

export const AttendanceRecorded = defineEvent({
  service: 'placement',
  name: 'AttendanceRecorded',
  version: 1,
  published: true,
  description:
    'Whether a person enrolled in a day service attended on a date; a later record for the same date ' +
    'corrects it.',
  schema: z
    .object({ ...stay, date: CalendarDate, attended: z.boolean(), expected: z.boolean() })
    .meta({ id: 'AttendanceRecorded' }),
});

export const placementEvents = [
  Admitted,
  EmergencyAdmissionJustified,
  Transferred,
  TermRenewed,
  Discharged,
  AbsenceStarted,
  AbsenceEnded,
  AttendanceRecorded,
] as const;
