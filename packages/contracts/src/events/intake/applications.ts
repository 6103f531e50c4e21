import { z } from 'zod';
import { MunicipalityCode, OblastCode } from '../../codes.js';
import { defineEvent } from '../../eventCatalogue.js';
import { CalendarDate } from '../../localDate.js';
import { ServiceTypeCode } from '../../serviceType.js';
import { ClientId } from './clients.js';

export const ApplicationId = z.uuid().meta({ description: 'Id of an application for a service' });
export const DocumentKind = z.enum([
  'application_form',
  'identity_document',
  'medical_expert_decision',
  'income_statement',
  'ownership_statement',
  'court_decision',
  'other',
]);
export const ReferralIssuer = z.enum(['municipality', 'directorate']);
export const ClosingOutcome = z.enum(['served', 'refused', 'no_longer_needed', 'client_died', 'other']);

export const ApplicationSubmitted = defineEvent({
  service: 'intake',
  name: 'ApplicationSubmitted',
  version: 1,
  published: true,
  description:
    'A client applied for a service type in a municipality. The needs assessment is due by ' +
    '`assessmentDueBy` (20 days by default, a municipal parameter).',
  schema: z
    .object({
      applicationId: ApplicationId,
      clientId: ClientId,
      serviceType: ServiceTypeCode,
      municipality: MunicipalityCode,
      submittedOn: CalendarDate,
      assessmentDueBy: CalendarDate,
      referralRequired: z.boolean(),
    })
    .meta({ id: 'ApplicationSubmitted' }),
});

export const DocumentAttached = defineEvent({
  service: 'intake',
  name: 'DocumentAttached',
  version: 1,
  published: false,
  description: 'A document was attached to an application (metadata only: kind, number, date).',
  schema: z.object({
    applicationId: ApplicationId,
    documentId: z.uuid(),
    kind: DocumentKind,
    number: z.string().optional(),
    issuedOn: CalendarDate,
  }),
});

export const ReferralRecorded = defineEvent({
  service: 'intake',
  name: 'ReferralRecorded',
  version: 1,
  published: true,
  description:
    'The referral that gives access to the service was recorded: from the municipality, or from the ' +
    'Regional Directorate for Social Assistance where the law reserves it.',
  schema: z
    .object({
      applicationId: ApplicationId,
      clientId: ClientId,
      serviceType: ServiceTypeCode,
      issuer: ReferralIssuer,
      issuedBy: z.union([MunicipalityCode, OblastCode]),
      referralNumber: z.string(),
      issuedOn: CalendarDate,
    })
    .meta({ id: 'ReferralRecorded' }),
});

export const ApplicationWithdrawn = defineEvent({
  service: 'intake',
  name: 'ApplicationWithdrawn',
  version: 1,
  published: true,
  description: 'The client withdrew the application.',
  schema: z
    .object({ applicationId: ApplicationId, clientId: ClientId, withdrawnOn: CalendarDate })
    .meta({ id: 'ApplicationWithdrawn' }),
});

export const ApplicationClosed = defineEvent({
  service: 'intake',
  name: 'ApplicationClosed',
  version: 1,
  published: true,
  description: 'The application was closed with an outcome.',
  schema: z
    .object({
      applicationId: ApplicationId,
      clientId: ClientId,
      closedOn: CalendarDate,
      outcome: ClosingOutcome,
    })
    .meta({ id: 'ApplicationClosed' }),
});

/** Internal: holds the one open application a client may have per service type. */
export const ApplicationSlotTaken = defineEvent({
  service: 'intake',
  name: 'ApplicationSlotTaken',
  version: 1,
  published: false,
  description: 'An application is the open one of its client and service type.',
  schema: z.object({ applicationId: ApplicationId }),
});

export const ApplicationSlotFreed = defineEvent({
  service: 'intake',
  name: 'ApplicationSlotFreed',
  version: 1,
  published: false,
  description: 'The open application of a client and service type was withdrawn or closed.',
  schema: z.object({ applicationId: ApplicationId }),
});

export const applicationEvents = [
  ApplicationSubmitted,
  DocumentAttached,
  ReferralRecorded,
  ApplicationWithdrawn,
  ApplicationClosed,
  ApplicationSlotTaken,
  ApplicationSlotFreed,
] as const;
