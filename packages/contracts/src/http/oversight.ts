import { z } from 'zod';
import { MunicipalityCode } from '../codes.js';
import { ClientId } from '../events/intake/clients.js';
import { Instant } from '../localDate.js';
import { ClientSummary } from './clients.js';
import { exampleAccess, exampleClientSummary } from './examples.js';

export const CaseloadQuery = z.object({
  caseManager: z.string().optional().meta({ description: 'Default: the caller' }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().optional(),
});

export const Caseload = z
  .object({ caseManager: z.string(), items: z.array(ClientSummary), next: z.string().optional() })
  .meta({ id: 'Caseload', example: { caseManager: 'cm-bansko-1', items: [exampleClientSummary] } });

export const AccessAction = z.enum(['read', 'search', 'export']);

export const AccessLogQuery = z.object({
  clientId: ClientId.optional(),
  actor: z.string().optional(),
  municipality: MunicipalityCode.optional(),
  from: Instant.optional(),
  to: Instant.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().optional(),
});

export const AccessLogEntry = z
  .object({
    at: z.iso.datetime(),
    actor: z.string(),
    role: z.string(),
    clientId: ClientId,
    municipality: MunicipalityCode,
    action: AccessAction,
    route: z.string(),
    correlationId: z.string(),
  })
  .meta({ id: 'AccessLogEntry', example: exampleAccess });

export const AccessLogPage = z
  .object({ items: z.array(AccessLogEntry), next: z.string().optional() })
  .meta({ id: 'AccessLogPage', example: { items: [exampleAccess] } });
