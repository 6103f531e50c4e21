import { z } from 'zod';
import { MunicipalityCode } from '../../codes.js';
import { ClientId } from '../../events/intake/clients.js';
import { SiteId } from '../../events/placement/sites.js';
import {
  CrisisKind,
  DeclineReason,
  EntryId,
  OfferId,
  PointsLine,
  PriorityClass,
  RemovalReason,
  ScoringSheet,
} from '../../events/placement/waitingList.js';
import { CalendarDate, LocalDate } from '../../localDate.js';
import { ServiceTypeCode } from '../../serviceType.js';
import { PageLimit } from '../paging.js';
import { AsOfQuery } from './asOf.js';
import { examplePlacementRecord } from './examples.js';

// The waiting list: its entries and their positions, priority and scoring, offers.

export const EntryParams = z.object({ entryId: EntryId });
export const OfferParams = z.object({ offerId: OfferId });

export const WaitingListQuery = z.object({
  municipality: MunicipalityCode.optional().meta({ description: "Default: the caller's municipality" }),
  serviceType: ServiceTypeCode,
  siteId: SiteId.optional().meta({ description: 'Only people who prefer this site or have no preference' }),
  asOf: LocalDate.optional().meta({
    description: 'The list on this date (default today); points count the years on the list up to it',
  }),
  knownAt: AsOfQuery.shape.knownAt,
  limit: PageLimit,
  cursor: z.string().optional(),
});

const Position = z.object({
  position: z.number().int().min(1),
  entryId: EntryId,
  clientId: ClientId,
  serviceType: ServiceTypeCode,
  municipality: MunicipalityCode,
  listedOn: LocalDate,
  priorityClass: PriorityClass,
  crisis: CrisisKind.optional(),
  points: z.number().int().optional().meta({ description: 'Social housing: the ordinance points' }),
  pointsLines: z.array(PointsLine).optional(),
  movedToEndOn: LocalDate.optional(),
  daysWaiting: z.number().int(),
  offer: z
    .object({
      offerId: OfferId,
      siteId: SiteId,
      status: z.enum(['open', 'accepted']),
      expiresAfter: CalendarDate.optional(),
      admitBy: CalendarDate.optional(),
    })
    .optional(),
  reasons: z.array(z.string()).meta({ description: 'Why the entry stands where it does, in order' }),
});

const examplePosition = {
  position: 1,
  entryId: '0190a3c2-9d5e-7f60-b172-4d5e6f708192',
  clientId: examplePlacementRecord.clientId,
  serviceType: 'protected_housing',
  municipality: 'BLG01',
  listedOn: '2026-09-14',
  priorityClass: 'crisis',
  crisis: 'homelessness',
  daysWaiting: 70,
  reasons: ['crisis case (homelessness): crisis cases go first', 'on the list since 2026-09-14 (70 days)'],
} as const;

export const WaitingListPage = z
  .object({ items: z.array(Position), next: z.string().optional() })
  .meta({ id: 'WaitingListPage', example: { items: [examplePosition] } });

export const WaitingListEntry = Position.omit({ position: true })
  .extend({
    status: z.enum(['waiting', 'removed']),
    removedOn: LocalDate.optional(),
    removalReason: RemovalReason.optional(),
    declinesWithoutValidReason: z.number().int(),
    version: z.number().int().meta({ description: "The entry's stream version (ETag)" }),
  })
  .meta({
    id: 'WaitingListEntry',
    example: (({ position: _, ...p }) => ({
      ...p,
      status: 'waiting',
      declinesWithoutValidReason: 0,
      version: 1,
    }))(examplePosition),
  });

export const SetPriorityBody = z
  .object({ priorityClass: PriorityClass, crisis: CrisisKind.optional() })
  .meta({ id: 'SetPriority', example: { priorityClass: 'crisis', crisis: 'homelessness' } });

export const ScoreEntryBody = ScoringSheet.meta({
  id: 'ScoreEntry',
  example: {
    householdMembers: 4,
    membersWithDisability: 1,
    monthlyIncomePerMemberMinor: 21000,
    housingConditions: 'unfit',
  },
});

export const MakeOfferBody = z
  .object({
    from: LocalDate.meta({ description: 'The first day the place is offered from' }),
    entryId: EntryId.optional().meta({ description: 'Default: the next in line for this site' }),
    justification: z
      .string()
      .trim()
      .min(10)
      .max(2000)
      .optional()
      .meta({ description: "An offer out of turn: a supervisor's written reason" }),
  })
  .meta({ id: 'MakeOffer', example: { from: '2026-12-01' } });

export const DeclineOfferBody = z
  .object({
    reason: DeclineReason,
    validReason: z.boolean().meta({ description: 'Whether the case manager accepts the reason as valid' }),
  })
  .meta({ id: 'DeclineOffer', example: { reason: 'health', validReason: true } });

export const OfferRecord = z
  .object({
    offerId: OfferId,
    entryId: EntryId,
    clientId: ClientId,
    siteId: SiteId,
    from: LocalDate,
    madeOn: LocalDate,
    expiresAfter: CalendarDate,
    status: z.enum(['open', 'accepted', 'declined', 'expired', 'taken_up', 'withdrawn']),
    admitBy: CalendarDate.optional(),
    declinesWithoutValidReason: z.number().int(),
    version: z.number().int(),
  })
  .meta({
    id: 'OfferRecord',
    example: {
      offerId: '0190a3c2-8c4d-7e5f-a061-3c4d5e6f7081',
      entryId: examplePosition.entryId,
      clientId: examplePlacementRecord.clientId,
      siteId: examplePlacementRecord.siteId,
      from: '2026-12-01',
      madeOn: '2026-11-23',
      expiresAfter: '2026-11-30',
      status: 'open',
      declinesWithoutValidReason: 0,
      version: 3,
    },
  });
