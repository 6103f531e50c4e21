import { z } from 'zod';
import { MunicipalityCode } from '../codes.js';
import { ClientId } from '../events/intake/clients.js';
import {
  AbsenceKind,
  AdmissionBasis,
  Destination,
  DischargeReason,
  StayPlace,
  Weekdays,
} from '../events/placement/placements.js';
import { PlacementId, Places, SiteId, SiteParticulars } from '../events/placement/sites.js';
import { TaskId, TaskKind } from '../events/placement/tasks.js';
import {
  CrisisKind,
  DeclineReason,
  EntryId,
  OfferId,
  PointsLine,
  PriorityClass,
  RemovalReason,
  ScoringSheet,
} from '../events/placement/waitingList.js';
import { CalendarDate, Instant, LocalDate } from '../localDate.js';
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
  knownAt: Instant.optional().meta({
    description: 'As recorded up to this time (default now): what we knew then',
  }),
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
    offerId: OfferId.optional().meta({ description: 'The accepted offer this admission takes up' }),
    respite: z.literal(true).optional().meta({
      description:
        'Respite care: a short residential stay, with its `termEnd`, within the yearly limit of days (30 by default)',
    }),
    emergency: z
      .object({ justification: z.string().trim().min(10).max(2000) })
      .optional()
      .meta({ description: 'An emergency admission: supervisors only, with a written justification' }),
  })
  .refine((b) => (b.offerId === undefined) !== (b.emergency === undefined), {
    message: 'an admission takes up an accepted offer (offerId) or is an emergency, one of the two',
    path: ['offerId'],
  })
  .meta({
    id: 'Admit',
    example: {
      clientId: examplePlacementRecord.clientId,
      siteId: examplePlacementRecord.siteId,
      on: '2026-03-02',
      offerId: '0190a3c2-8c4d-7e5f-a061-3c4d5e6f7081',
    },
  });

export const TransferBody = z
  .object({
    toSiteId: SiteId,
    on: LocalDate.meta({ description: 'The day the first stay ends and the second begins' }),
    termEnd: LocalDate.optional(),
    weekdays: Weekdays.optional(),
    offerId: OfferId.optional().meta({ description: 'The accepted offer of the target site it takes up' }),
  })
  .meta({ id: 'Transfer', example: { toSiteId: '0190a3c2-7b3c-7d4e-9f50-2b3c4d5e6f70', on: '2027-03-01' } });

export const RenewBody = z
  .object({
    reviewedOn: LocalDate.meta({ description: 'The day of the review that renews the term' }),
    termEnd: LocalDate.optional().meta({
      description:
        'The new end of the term (default: the term in force for the service type, from the old end)',
    }),
  })
  .meta({ id: 'RenewTerm', example: { reviewedOn: '2027-08-20' } });

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
    termEnd: CalendarDate.optional(),
    renewals: z.number().int().min(0).optional().meta({ description: 'How often the term was renewed' }),
    respite: z.literal(true).optional(),
    weekdays: Weekdays.optional(),
    basis: AdmissionBasis.or(z.literal('transfer')),
    status: PlacementStatus.meta({ description: 'Today: not begun yet, in service, or ended' }),
    endedOn: LocalDate.optional(),
    endReason: DischargeReason.optional(),
    destination: Destination.optional(),
    transferredFrom: PlacementId.optional(),
    transferredTo: PlacementId.optional(),
    absences: z
      .array(
        z.object({
          absenceId: z.uuid(),
          from: LocalDate,
          returnedOn: LocalDate.optional(),
          kind: AbsenceKind,
        }),
      )
      .optional()
      .meta({ description: 'Temporary absences (the place is kept)' }),
    version: z.number().int().meta({ description: "The version of the client's placement stream (ETag)" }),
  })
  .meta({ id: 'PlacementRecord', example: examplePlacementRecord });

export const PlacementsQuery = z.object({
  clientId: ClientId.optional(),
  siteId: SiteId.optional(),
  activeOn: LocalDate.optional().meta({ description: 'Only stays in service on this date' }),
  knownAt: AsOfQuery.shape.knownAt,
  limit: Limit,
  cursor: z.string().optional(),
});

export const PlacementPage = z
  .object({
    items: z.array(PlacementRecord.omit({ version: true, absences: true })),
    next: z.string().optional(),
  })
  .meta({
    id: 'PlacementPage',
    example: { items: [(({ version: _, ...p }) => p)(examplePlacementRecord)] },
  });

export const EntryParams = z.object({ entryId: EntryId });
export const OfferParams = z.object({ offerId: OfferId });
export const TaskParams = z.object({ taskId: TaskId });

export const WaitingListQuery = z.object({
  municipality: MunicipalityCode.optional().meta({ description: "Default: the caller's municipality" }),
  serviceType: ServiceTypeCode,
  siteId: SiteId.optional().meta({ description: 'Only people who prefer this site or have no preference' }),
  asOf: LocalDate.optional().meta({
    description: 'The list on this date (default today); points count the years on the list up to it',
  }),
  knownAt: AsOfQuery.shape.knownAt,
  limit: Limit,
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

export const TasksQuery = z.object({
  municipality: MunicipalityCode.optional(),
  open: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  clientId: ClientId.optional(),
  asOf: LocalDate.optional().meta({
    description: 'Tasks as they stood on this date: opened by it, and open or closed as of it',
  }),
  knownAt: AsOfQuery.shape.knownAt,
  limit: Limit,
  cursor: z.string().optional(),
});

const TaskItem = z.object({
  taskId: TaskId,
  kind: TaskKind,
  clientId: ClientId,
  placementId: PlacementId.optional(),
  municipality: MunicipalityCode,
  openedOn: LocalDate,
  detail: z.string(),
  closedOn: LocalDate.optional(),
  closingNote: z.string().optional(),
});

const exampleTask = {
  taskId: '0190a3c2-ae6f-7071-8283-5e6f708192a3',
  kind: 'eligibility_lapsed',
  clientId: examplePlacementRecord.clientId,
  placementId: examplePlacementRecord.placementId,
  municipality: 'BLG01',
  openedOn: '2026-11-23',
  detail: 'eligibility for protected_housing is ineligible from 2026-11-23: review the placement',
} as const;

export const TaskPage = z
  .object({ items: z.array(TaskItem), next: z.string().optional() })
  .meta({ id: 'TaskPage', example: { items: [exampleTask] } });
export const TaskRecord = TaskItem.meta({
  id: 'TaskRecord',
  example: { ...exampleTask, closedOn: '2026-11-24', closingNote: 'Reassessment booked' },
});
export const CloseTaskBody = z
  .object({ note: z.string().trim().min(1).max(2000) })
  .meta({ id: 'CloseTask', example: { note: 'Reassessment booked for 2026-12-02' } });

export const AbsenceParams = z.object({ placementId: PlacementId, absenceId: z.uuid() });
export const StartAbsenceBody = z
  .object({ from: LocalDate, kind: AbsenceKind })
  .meta({ id: 'StartAbsence', example: { from: '2026-12-20', kind: 'holiday' } });
export const EndAbsenceBody = z
  .object({ returnedOn: LocalDate.meta({ description: 'The first day back' }) })
  .meta({ id: 'EndAbsence', example: { returnedOn: '2027-01-04' } });

export const RecordAttendanceBody = z
  .object({
    date: LocalDate,
    records: z
      .array(z.object({ placementId: PlacementId, attended: z.boolean() }))
      .min(1)
      .max(500),
  })
  .meta({
    id: 'RecordAttendance',
    example: {
      date: '2026-11-23',
      records: [{ placementId: examplePlacementRecord.placementId, attended: true }],
    },
  });

const AttendanceDay = z.object({
  date: LocalDate,
  placementId: PlacementId,
  clientId: ClientId,
  attended: z.boolean(),
  expected: z.boolean().meta({ description: "Whether the date is one of the person's attendance weekdays" }),
});

export const AttendanceQuery = z.object({ from: LocalDate, to: LocalDate, knownAt: AsOfQuery.shape.knownAt });

export const AttendanceRegister = z.object({ siteId: SiteId, days: z.array(AttendanceDay) }).meta({
  id: 'AttendanceRegister',
  example: {
    siteId: examplePlacementRecord.siteId,
    days: [
      {
        date: '2026-11-23',
        placementId: examplePlacementRecord.placementId,
        clientId: examplePlacementRecord.clientId,
        attended: true,
        expected: true,
      },
    ],
  },
});
