import { cloudEventType, type EventDefinition, type MunicipalityCode } from '@casework/contracts';
import type { RecordedEvent } from '@casework/eventstore';
import { z } from 'zod';
import { covers, type Jurisdiction } from './scope.js';

/** The fields of an event's payload integrators get: what names a record, never what describes a person. */
const REFERENCE_FIELDS = new Set(['serviceType', 'municipality', 'month', 'version']);
/** Ids of records no integrator may read (an application, an offer, a fact): not passed on either. */
const UNREADABLE_IDS = new Set([
  'applicationId',
  'offerId',
  'entryId',
  'factId',
  'eventId',
  'assessmentId',
  'planId',
]);
const isReference = (key: string) =>
  (key.endsWith('Id') && !UNREADABLE_IDS.has(key)) || REFERENCE_FIELDS.has(key);

/**
 * An event's references: its ids (`clientId`, `placementId`, …, within nested objects too), service
 * type, municipality, month and version. Everything else (dates of birth, incomes, degrees of
 * disability, reasons, amounts) stays out: the integrator reads the record the ids name through the API,
 * where its scope and roles decide what it may see. A part naming a municipality the viewer does not
 * cover (the other end of a transfer) is left out whole.
 */
export function referencesOf(data: unknown, j: Jurisdiction = { kind: 'national' }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return out;
  for (const [key, value] of Object.entries(data)) {
    if (isReference(key) && (typeof value === 'string' || typeof value === 'number')) out[key] = value;
    else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const place = (value as { municipality?: unknown }).municipality;
      if (typeof place === 'string' && !covers(j, place as MunicipalityCode)) continue;
      const nested = referencesOf(value, j);
      if (Object.keys(nested).length > 0) out[key] = nested;
    }
  }
  return out;
}

/** The events of a service integrators may follow (feed and webhooks): published, and marked for them. */
export const integratorEvents = (events: readonly EventDefinition[]) =>
  events.filter((e) => e.published && e.forIntegrators === true);

/**
 * The municipalities an event concerns: its payload's, its envelope's (where it was decided), and those
 * of the payload's parts (a transfer's `from` and `to`), the first of them its own.
 */
export function municipalitiesOf(e: Pick<RecordedEvent, 'data' | 'metadata'>): string[] {
  const found = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value === 'string') found.add(value);
  };
  const data = (e.data ?? {}) as Record<string, unknown>;
  add(data.municipality);
  add(e.metadata.municipality);
  for (const part of Object.values(data))
    if (typeof part === 'object' && part !== null && !Array.isArray(part))
      add((part as { municipality?: unknown }).municipality);
  return [...found];
}

/**
 * Whom an event may be shown to: one of its municipalities' callers; a national record's (a rule set or
 * tariff of no municipality) everyone; one that names none, national callers only.
 */
export const visibleTo = (j: Jurisdiction, e: Pick<RecordedEvent, 'data' | 'metadata'>) => {
  if ((e.data as { municipality?: unknown } | null)?.municipality === null) return true;
  const ms = municipalitiesOf(e);
  return ms.length === 0 ? j.kind === 'national' : ms.some((m) => covers(j, m as MunicipalityCode));
};

export const PublicEvent = z
  .object({
    specversion: z.literal('1.0'),
    id: z.uuid().meta({ description: 'The event id: the NATS message id, the same on every delivery' }),
    type: z.string().meta({ description: 'casework.<service>.<Name>.v<N>, as in AsyncAPI' }),
    source: z.string(),
    subject: z.string().meta({ description: 'The stream (record) the event belongs to' }),
    time: z.iso.datetime(),
    datacontenttype: z.literal('application/json'),
    // a plain code: one retired from the reference data still names the events of its time
    municipality: z
      .string()
      .regex(/^[A-Z]{3}\d{2}$/)
      .optional(),
    data: z
      .record(z.string(), z.unknown())
      .meta({ description: "The event's references only (ids, service type, municipality, month, version)" }),
  })
  .meta({
    id: 'PublicEvent',
    example: {
      specversion: '1.0',
      id: '01900000-0000-7000-8000-0000000000e7',
      type: 'casework.placement.Admitted.v1',
      source: 'placement',
      subject: 'placements-01900000-0000-7000-8000-000000000001',
      time: '2026-11-16T08:30:00.000Z',
      datacontenttype: 'application/json',
      municipality: 'BLG01',
      data: {
        clientId: '01900000-0000-7000-8000-000000000001',
        placementId: '01900000-0000-7000-8000-0000000000a1',
        siteId: '01900000-0000-7000-8000-0000000000b1',
        serviceType: 'protected_housing',
        municipality: 'BLG01',
      },
    },
  });
export type PublicEvent = z.infer<typeof PublicEvent>;

/**
 * An event as an integrator of jurisdiction `j` gets it (feed and webhooks): CloudEvents JSON, the
 * references it may see only.
 */
export const publicEvent = (d: EventDefinition, e: RecordedEvent, j: Jurisdiction): PublicEvent => {
  const [municipality] = municipalitiesOf(e).filter((m) => covers(j, m as MunicipalityCode));
  return {
    specversion: '1.0',
    id: e.eventId,
    type: cloudEventType(d),
    source: e.metadata.source,
    subject: e.streamId,
    time: e.metadata.time,
    datacontenttype: 'application/json',
    ...(municipality === undefined ? {} : { municipality }),
    data: referencesOf(e.data, j),
  };
};
