import { EventMetadata } from '@casework/contracts';
import { headers, type MsgHdrs } from '@nats-io/transport-node';

/** CloudEvents attributes as NATS headers (`ce-<attribute>`, binary content mode). */
export function toHeaders(metadata: EventMetadata): MsgHdrs {
  const h = headers();
  h.set('content-type', 'application/json');
  for (const [key, value] of Object.entries(metadata)) {
    if (value === undefined) continue;
    h.set(`ce-${key}`, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return h;
}

export function fromHeaders(h: MsgHdrs | undefined): EventMetadata {
  const raw: Record<string, unknown> = {};
  for (const key of h?.keys() ?? []) {
    if (!key.toLowerCase().startsWith('ce-')) continue;
    const name = key.slice(3).toLowerCase();
    const value = h!.get(key);
    raw[name] = name === 'actor' ? JSON.parse(value) : value;
  }
  return EventMetadata.parse(raw);
}
