import { z } from 'zod';
import { MunicipalityCode } from '../../codes.js';
import { defineEvent } from '../../eventCatalogue.js';
import { CalendarDate } from '../../localDate.js';
import { ServiceTypeCode } from '../../serviceType.js';
import { ApplicationId } from '../intake/applications.js';
import { ClientId } from '../intake/clients.js';
import { SiteId } from './sites.js';

/** A waiting-list entry is its application's: one per application. */
export const EntryId = ApplicationId.meta({ description: 'A waiting-list entry: the id of its application' });
export const OfferId = z.uuid().meta({ description: 'An offer of a vacancy' });

/** Crisis cases go first (risk to life or health, homelessness, violence); everyone else is standard. */
export const PriorityClass = z.enum(['crisis', 'standard']);
export const CrisisKind = z.enum(['risk_to_life_or_health', 'homelessness', 'violence']);

/** A social-housing scoring factor of the municipal ordinance; weights are versioned parameters. */
export const ScoringFactor = z.enum([
  'household_members',
  'disability_in_household',
  'low_income',
  'years_on_list',
  'housing_conditions',
]);
export const HousingConditions = z.enum(['homeless', 'unfit', 'overcrowded', 'adequate']);

export const ScoringSheet = z
  .object({
    householdMembers: z.number().int().min(1).max(30),
    membersWithDisability: z.number().int().min(0).max(30),
    monthlyIncomePerMemberMinor: z
      .number()
      .int()
      .min(0)
      .meta({ description: 'Household income per member, euro cents a month' }),
    housingConditions: HousingConditions,
  })
  .meta({ description: "The household's circumstances the ordinance scores" });

export const PointsLine = z.object({
  factor: ScoringFactor,
  value: z.number(),
  points: z.number().int(),
  reason: z.string(),
});

const entry = {
  entryId: EntryId,
  clientId: ClientId,
  serviceType: ServiceTypeCode,
  municipality: MunicipalityCode,
};

export const WaitingListed = defineEvent({
  service: 'placement',
  name: 'WaitingListed',
  version: 1,
  published: true,
  description:
    'An eligible application joined the waiting list of its municipality and service type, dated by its ' +
    'referral (or the application when no referral is needed).',
  schema: z
    .object({ ...entry, listedOn: CalendarDate, preferredSiteId: SiteId.optional() })
    .meta({ id: 'WaitingListed' }),
});

export const PriorityClassSet = defineEvent({
  service: 'placement',
  name: 'PriorityClassSet',
  version: 1,
  published: true,
  description: 'A case manager put the entry in a priority class: crisis cases go first.',
  schema: z
    .object({ ...entry, priorityClass: PriorityClass, crisis: CrisisKind.optional(), on: CalendarDate })
    .meta({ id: 'PriorityClassSet' }),
});

export const EntryScored = defineEvent({
  service: 'placement',
  name: 'EntryScored',
  version: 1,
  published: false,
  description: "The household's circumstances for the social-housing points of the municipal ordinance.",
  schema: z.object({ ...entry, sheet: ScoringSheet, on: CalendarDate }),
});

export const OfferMade = defineEvent({
  service: 'placement',
  name: 'OfferMade',
  version: 1,
  published: true,
  description:
    'A vacancy at a site was offered to the person of an entry, for admission from a date; the place is ' +
    'held for them until the offer is accepted, declined or expires. `outOfTurn` marks an offer to someone ' +
    'other than the next in line (a supervisor justified it).',
  schema: z
    .object({
      ...entry,
      offerId: OfferId,
      siteId: SiteId,
      from: CalendarDate,
      madeOn: CalendarDate,
      expiresAfter: CalendarDate.meta({ description: 'The last working day to answer' }),
      outOfTurn: z.boolean(),
    })
    .meta({ id: 'OfferMade' }),
});

export const OfferJustified = defineEvent({
  service: 'placement',
  name: 'OfferJustified',
  version: 1,
  published: false,
  description: "The supervisor's written reason for offering out of turn.",
  schema: z.object({ entryId: EntryId, offerId: OfferId, justification: z.string(), supervisor: z.string() }),
});

export const OfferAccepted = defineEvent({
  service: 'placement',
  name: 'OfferAccepted',
  version: 1,
  published: true,
  description: 'The person accepted the offer; the admission must follow by `admitBy`.',
  schema: z
    .object({ ...entry, offerId: OfferId, siteId: SiteId, on: CalendarDate, admitBy: CalendarDate })
    .meta({ id: 'OfferAccepted' }),
});

export const DeclineReason = z.enum([
  'health',
  'site_unsuitable',
  'family_reasons',
  'no_longer_needed',
  'no_reason_given',
  'other',
]);

export const OfferDeclined = defineEvent({
  service: 'placement',
  name: 'OfferDeclined',
  version: 1,
  published: true,
  description:
    'The person declined the offer. `validReason` says whether the case manager accepted the reason; ' +
    'declines without one are counted.',
  schema: z
    .object({
      ...entry,
      offerId: OfferId,
      siteId: SiteId,
      on: CalendarDate,
      reason: DeclineReason,
      validReason: z.boolean(),
      declinesWithoutValidReason: z.number().int().min(0),
    })
    .meta({ id: 'OfferDeclined' }),
});

export const OfferExpired = defineEvent({
  service: 'placement',
  name: 'OfferExpired',
  version: 1,
  published: true,
  description: 'No answer came by the last working day: the place is free again; it counts as a decline.',
  schema: z
    .object({
      ...entry,
      offerId: OfferId,
      siteId: SiteId,
      on: CalendarDate,
      declinesWithoutValidReason: z.number().int().min(0),
    })
    .meta({ id: 'OfferExpired' }),
});

export const EntryMovedToEnd = defineEvent({
  service: 'placement',
  name: 'EntryMovedToEnd',
  version: 1,
  published: true,
  description:
    'After the configured number of declines without a valid reason, the entry goes to the end of its class.',
  schema: z
    .object({ ...entry, on: CalendarDate, declines: z.number().int() })
    .meta({ id: 'EntryMovedToEnd' }),
});

export const RemovalReason = z.enum(['admitted', 'eligibility_lapsed', 'withdrawn', 'closed', 'died']);

export const WaitingListEntryRemoved = defineEvent({
  service: 'placement',
  name: 'WaitingListEntryRemoved',
  version: 1,
  published: true,
  description:
    'The entry left the waiting list: admitted, eligibility lapsed, application withdrawn or closed, death.',
  schema: z
    .object({ ...entry, on: CalendarDate, reason: RemovalReason })
    .meta({ id: 'WaitingListEntryRemoved' }),
});

export const waitingListEvents = [
  WaitingListed,
  PriorityClassSet,
  EntryScored,
  OfferMade,
  OfferJustified,
  OfferAccepted,
  OfferDeclined,
  OfferExpired,
  EntryMovedToEnd,
  WaitingListEntryRemoved,
] as const;
