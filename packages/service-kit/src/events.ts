import {
  cloudEventType,
  type EventDefinition,
  type EventMetadata,
  type MunicipalityCode,
} from '@casework/contracts';
import type { NewEvent } from '@casework/eventstore';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { ServiceContext } from './serviceModule.js';
import { traceContextFields } from './tracing.js';

/** What the edge knows about the command that caused events: who, which request, where. */
export type Cause = {
  correlationId: string;
  causationId?: string;
  actor?: { id: string; role: string };
  municipality?: MunicipalityCode;
  effectiveDate?: string;
};

export const causeOf = (request: FastifyRequest, municipality?: MunicipalityCode): Cause => ({
  correlationId: request.id,
  ...(request.principal ? { actor: { id: request.principal.sub, role: request.principal.roles[0]! } } : {}),
  ...(municipality ? { municipality } : {}),
});

/** Wraps a decided event in its CloudEvents envelope, validating the payload against its contract. */
export function toNewEvent<D extends EventDefinition>(
  ctx: ServiceContext,
  def: D,
  data: z.infer<D['schema']>,
  streamId: string,
  cause: Cause,
): NewEvent {
  const metadata: EventMetadata = {
    specversion: '1.0',
    id: ctx.newId(),
    type: cloudEventType(def),
    source: ctx.service,
    subject: streamId,
    time: ctx.clock().toISOString(),
    correlationid: cause.correlationId,
    ...(cause.causationId ? { causationid: cause.causationId } : {}),
    ...(cause.actor ? { actor: cause.actor } : {}),
    ...(cause.municipality ? { municipality: cause.municipality } : {}),
    ...(cause.effectiveDate ? { effectivedate: cause.effectiveDate } : {}),
    // the trace of the command that decided it, followed by whoever consumes it (nothing untraced)
    ...traceContextFields(),
  };
  return { type: def.name, data: def.schema.parse(data), metadata };
}
