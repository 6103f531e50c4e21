import { z } from 'zod';
import { MunicipalityCode, OblastCode } from '../codes.js';
import {
  ApplicationId,
  ClosingOutcome,
  DocumentKind,
  ReferralIssuer,
} from '../events/intake/applications.js';
import { ClientId } from '../events/intake/clients.js';
import { CalendarDate, LocalDate } from '../localDate.js';
import { ServiceTypeCode } from '../serviceType.js';
import { exampleApplication } from './examples.js';
import { PageLimit } from './paging.js';

export const SubmitApplicationBody = z
  .object({
    clientId: ClientId,
    serviceType: ServiceTypeCode,
    municipality: MunicipalityCode,
    submittedOn: LocalDate,
  })
  .meta({
    id: 'SubmitApplication',
    example: {
      clientId: '01900000-0000-7000-8000-000000000001',
      serviceType: 'protected_housing',
      municipality: 'BLG01',
      submittedOn: '2026-11-23',
    },
  });

export const AttachDocumentBody = z
  .object({ kind: DocumentKind, number: z.string().trim().max(50).optional(), issuedOn: LocalDate })
  .meta({
    id: 'AttachDocument',
    example: { kind: 'medical_expert_decision', number: '1234/2026', issuedOn: '2026-03-10' },
  });

export const RecordReferralBody = z
  .object({
    issuer: ReferralIssuer,
    issuedBy: z.union([MunicipalityCode, OblastCode]).meta({
      description: 'EKATTE code of the municipality, or the oblast code of the Directorate',
    }),
    referralNumber: z.string().trim().min(1).max(50),
    issuedOn: LocalDate,
  })
  .superRefine((b, ctx) => {
    const ok =
      b.issuer === 'municipality'
        ? MunicipalityCode.safeParse(b.issuedBy).success
        : OblastCode.safeParse(b.issuedBy).success;
    if (!ok) ctx.addIssue({ code: 'custom', path: ['issuedBy'], message: `not a code of a ${b.issuer}` });
  })
  .meta({
    id: 'RecordReferral',
    example: {
      issuer: 'municipality',
      issuedBy: 'BLG01',
      referralNumber: 'НС-2026-017',
      issuedOn: '2026-11-25',
    },
  });

export const WithdrawApplicationBody = z
  .object({ withdrawnOn: LocalDate })
  .meta({ id: 'WithdrawApplication', example: { withdrawnOn: '2026-11-30' } });

export const CloseApplicationBody = z
  .object({ closedOn: LocalDate, outcome: ClosingOutcome })
  .meta({ id: 'CloseApplication', example: { closedOn: '2026-12-15', outcome: 'served' } });

export const ApplicationStatus = z.enum(['open', 'withdrawn', 'closed']);

export const ApplicationRecord = z
  .object({
    applicationId: ApplicationId,
    clientId: ClientId,
    serviceType: ServiceTypeCode,
    municipality: MunicipalityCode,
    status: ApplicationStatus,
    submittedOn: LocalDate,
    assessmentDueBy: CalendarDate,
    referralRequired: z.boolean(),
    referral: z
      .object({
        issuer: ReferralIssuer,
        issuedBy: z.string(),
        referralNumber: z.string(),
        issuedOn: LocalDate,
      })
      .optional(),
    documents: z.array(
      z.object({
        documentId: z.uuid(),
        kind: DocumentKind,
        number: z.string().optional(),
        issuedOn: LocalDate,
      }),
    ),
    endedOn: LocalDate.optional(),
    outcome: ClosingOutcome.optional(),
    version: z.number().int(),
  })
  .meta({ id: 'ApplicationRecord', example: exampleApplication });
export type ApplicationRecord = z.infer<typeof ApplicationRecord>;

export const ApplicationParams = z.object({ applicationId: ApplicationId });

export const ApplicationsQuery = z.object({
  clientId: ClientId.optional(),
  status: ApplicationStatus.optional(),
  serviceType: ServiceTypeCode.optional(),
  municipality: MunicipalityCode.optional(),
  assessmentOverdueOn: LocalDate.optional().meta({
    description:
      'Only open applications whose needs assessment was still missing after its deadline on this date',
  }),
  limit: PageLimit,
  cursor: z.string().optional(),
});

export const ApplicationPage = z
  .object({
    items: z.array(
      ApplicationRecord.omit({ documents: true, version: true }).extend({
        assessedOn: LocalDate.optional().meta({
          description: 'The first needs assessment made for the application',
        }),
      }),
    ),
    next: z.string().optional(),
  })
  .meta({
    id: 'ApplicationPage',
    example: { items: [(({ documents: _, version: __, ...a }) => a)(exampleApplication)] },
  });
