import { z } from 'zod';
import { MunicipalityCode } from './codes.js';
import { CalendarDate } from './localDate.js';

export const Actor = z.object({ id: z.string(), role: z.string() });
export type Actor = z.infer<typeof Actor>;

/**
 * CloudEvents 1.0 attributes of a Casework event, stored in the event's `metadata` and carried as NATS
 * headers (`ce-<name>`).
 */
export const EventMetadata = z
  .object({
    specversion: z.literal('1.0'),
    id: z.uuid().meta({ description: 'UUIDv7; the NATS msgID and the inbox key' }),
    type: z.string().meta({ example: 'casework.intake.ClientRegistered.v1' }),
    source: z.string().meta({ example: 'intake' }),
    subject: z.string().meta({ description: 'The stream id the event belongs to' }),
    time: z.iso.datetime(),
    correlationid: z.string(),
    causationid: z.string().optional(),
    actor: Actor.optional(),
    municipality: MunicipalityCode.optional(),
    effectivedate: CalendarDate.optional(),
    traceparent: z
      .string()
      .regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/)
      .optional()
      .meta({
        description:
          'W3C trace context of the command that recorded it (CloudEvents distributed tracing extension); ' +
          'present when the platform traces',
      }),
  })
  .meta({ id: 'EventMetadata' });
export type EventMetadata = z.infer<typeof EventMetadata>;

/** What a consumer receives: the payload and its envelope. */
export type Envelope<T = unknown> = { metadata: EventMetadata; data: T };
