import { z } from 'zod';
import { MunicipalityCode } from '../../codes.js';
import { Places, SiteId, SiteParticulars } from '../../events/placement/sites.js';
import { LocalDate } from '../../localDate.js';
import { ServiceTypeCode } from '../../serviceType.js';
import { PageLimit } from '../paging.js';
import { AsOfQuery } from './asOf.js';
import { exampleOpenSite, exampleSiteRecord } from './examples.js';

// Sites: opening, capacity, suspension and closure, the site record and its occupancy ledger.

export const SiteParams = z.object({ siteId: SiteId });

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
    reserved: z.number().int().optional().meta({ description: 'Places held for open offers' }),
    vacancies: z.number().int().meta({ description: 'Places neither taken nor held for an offer' }),
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
  limit: PageLimit,
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
