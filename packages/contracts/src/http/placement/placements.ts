import { z } from 'zod';
import { ClientId } from '../../events/intake/clients.js';
import {
  AbsenceKind,
  AdmissionBasis,
  Destination,
  DischargeReason,
  StayPlace,
  Weekdays,
} from '../../events/placement/placements.js';
import { PlacementId, SiteId } from '../../events/placement/sites.js';
import { OfferId } from '../../events/placement/waitingList.js';
import { CalendarDate, LocalDate } from '../../localDate.js';
import { PageLimit } from '../paging.js';
import { AsOfQuery } from './asOf.js';
import { examplePlacementRecord } from './examples.js';

// Placements: admission, transfer, renewal and discharge, the placement record and lists.

export const PlacementParams = z.object({ placementId: PlacementId });

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
  limit: PageLimit,
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
