import { z } from 'zod';
import { MunicipalityCode } from '../codes.js';
import { ClientId } from '../events/intake/clients.js';
import {
  AdmissionBasis,
  Destination,
  DischargeReason,
  StayPlace,
  Weekdays,
} from '../events/placement/placements.js';
import { PlacementId, Places, SiteId, SiteParticulars } from '../events/placement/sites.js';
import { LocalDate } from '../localDate.js';
import { ServiceTypeCode } from '../serviceType.js';
import { exampleOpenSite, examplePlacementRecord, exampleSiteRecord } from './placementExamples.js';

const Limit = z.coerce.number().int().min(1).max(100).default(20);

export const SiteParams = z.object({ siteId: SiteId });
export const PlacementParams = z.object({ placementId: PlacementId });

export const OpenSiteBody = SiteParticulars.extend({ openedOn: LocalDate, places: Places }).meta({
  id: 'OpenSite',
  example: exampleOpenSite,
});

export const ChangeCapacityBody = z
  .object({ from: LocalDate, places: Places })
  .meta({ id: 'ChangeCapacity', example: { from: '2027-01-01', places: 10 } });
export const SuspendSiteBody = z
  .object({ from: LocalDate, reason: z.string().trim().min(1).max(500) })
  .meta({ id: 'SuspendSite', example: { from: '2026-12-01', reason: 'Renovation of the kitchen' } });
export const ResumeSiteBody = z
  .object({ from: LocalDate })
  .meta({ id: 'ResumeSite', example: { from: '2027-02-01' } });
export const CloseSiteBody = z
  .object({ on: LocalDate })
  .meta({ id: 'CloseSite', example: { on: '2027-06-30' } });

export const SiteStatus = z.enum(['open', 'suspended', 'closed']);

/** As of a date (default today), as known at a time (default now). */
export const AsOfQuery = z.object({
  asOf: LocalDate.optional().meta({ description: 'What was true on this date (default today)' }),
  knownAt: z.iso
    .datetime()
    .optional()
    .meta({ description: 'As recorded up to this time (default now): what we knew then' }),
});

export const SiteRecord = z
  .object({
    siteId: SiteId,
    ...SiteParticulars.shape,
    status: SiteStatus.meta({ description: 'Status today' }),
    openedOn: LocalDate,
    suspendedFrom: LocalDate.optional(),
    closedOn: LocalDate.optional(),
    capacity: z
      .array(z.object({ from: LocalDate, places: Places }))
      .meta({ description: 'Every capacity change, in date order' }),
    on: LocalDate.meta({ description: 'The date the figures below are for' }),
    places: Places,
    occupied: z.number().int(),
    vacancies: z.number().int(),
    version: z.number().int().meta({ description: 'The stream version (ETag)' }),
  })
  .meta({ id: 'SiteRecord', example: exampleSiteRecord });

export const SitesQuery = AsOfQuery.extend({
  municipality: MunicipalityCode.optional(),
  serviceType: ServiceTypeCode.optional(),
  status: SiteStatus.optional(),
  vacant: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .meta({ description: 'Only sites with (true) or without (false) a vacancy on the date' }),
  limit: Limit,
  cursor: z.string().optional(),
});

export const SitePage = z
  .object({ items: z.array(SiteRecord.omit({ capacity: true, version: true })), next: z.string().optional() })
  .meta({
    id: 'SitePage',
    example: { items: [(({ capacity: _, version: __, ...s }) => s)(exampleSiteRecord)] },
  });

export const LedgerQuery = z.object({
  from: LocalDate,
  to: LocalDate.meta({ description: 'Inclusive; at most 366 days after `from`' }),
  knownAt: AsOfQuery.shape.knownAt,
});

export const OccupancyLedger = z
  .object({
    siteId: SiteId,
    days: z.array(
      z.object({ date: LocalDate, places: Places, occupied: z.number().int(), vacancies: z.number().int() }),
    ),
  })
  .meta({
    id: 'OccupancyLedger',
    example: {
      siteId: exampleSiteRecord.siteId,
      days: [
        { date: '2026-11-23', places: 8, occupied: 6, vacancies: 2 },
        { date: '2026-11-24', places: 8, occupied: 7, vacancies: 1 },
      ],
    },
  });

export const AdmitBody = z
  .object({
    clientId: ClientId,
    siteId: SiteId,
    on: LocalDate.meta({ description: 'The first day in service' }),
    termEnd: LocalDate.optional().meta({
      description: 'End of the fixed term of a residential stay (default: the term in force for it)',
    }),
    weekdays: Weekdays.optional().meta({ description: 'Day services: the expected attendance pattern' }),
    emergency: z
      .object({ justification: z.string().trim().min(10).max(2000) })
      .meta({ description: 'An emergency admission: supervisors only, with a written justification' }),
  })
  .meta({
    id: 'Admit',
    example: {
      clientId: examplePlacementRecord.clientId,
      siteId: examplePlacementRecord.siteId,
      on: '2026-03-02',
      emergency: { justification: 'Homeless after a fire at the family home; no other safe place tonight' },
    },
  });

export const TransferBody = z
  .object({
    toSiteId: SiteId,
    on: LocalDate.meta({ description: 'The day the first stay ends and the second begins' }),
    termEnd: LocalDate.optional(),
    weekdays: Weekdays.optional(),
  })
  .meta({ id: 'Transfer', example: { toSiteId: '0190a3c2-7b3c-7d4e-9f50-2b3c4d5e6f70', on: '2027-03-01' } });

export const DischargeBody = z
  .object({ on: LocalDate, reason: DischargeReason, destination: Destination })
  .meta({
    id: 'Discharge',
    example: { on: '2027-05-31', reason: 'more_independent_living', destination: { kind: 'own_housing' } },
  });

export const PlacementStatus = z.enum(['planned', 'active', 'ended']);

export const PlacementRecord = z
  .object({
    ...StayPlace.shape,
    clientId: ClientId,
    from: LocalDate,
    termEnd: LocalDate.optional(),
    weekdays: Weekdays.optional(),
    basis: AdmissionBasis.or(z.literal('transfer')),
    status: PlacementStatus.meta({ description: 'Today: not begun yet, in service, or ended' }),
    endedOn: LocalDate.optional(),
    endReason: DischargeReason.optional(),
    destination: Destination.optional(),
    transferredFrom: PlacementId.optional(),
    transferredTo: PlacementId.optional(),
    version: z.number().int().meta({ description: "The version of the client's placement stream (ETag)" }),
  })
  .meta({ id: 'PlacementRecord', example: examplePlacementRecord });

export const PlacementsQuery = z.object({
  clientId: ClientId.optional(),
  siteId: SiteId.optional(),
  activeOn: LocalDate.optional().meta({ description: 'Only stays in service on this date' }),
  limit: Limit,
  cursor: z.string().optional(),
});

export const PlacementPage = z
  .object({ items: z.array(PlacementRecord.omit({ version: true })), next: z.string().optional() })
  .meta({
    id: 'PlacementPage',
    example: { items: [(({ version: _, ...p }) => p)(examplePlacementRecord)] },
  });
