import { cloudEventType, EventMetadata, subjectOf } from '@casework/contracts';
import { connectPGlite } from '@casework/eventstore';
import { InProcessTransport } from '@casework/messaging';
import { buildApp } from '@casework/service-kit';
import { z } from 'zod';
import { allServices } from './services.js';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** The OpenAPI 3.1 document of all services, as the embedded launcher serves it. */
export async function openApiDocument(): Promise<unknown> {
  const database = await connectPGlite();
  const transport = new InProcessTransport();
  const app = await buildApp({
    services: [...allServices],
    database,
    transport,
    auth: { signingKey: 'documentation-only-key-not-used-for-anything' },
    identifierKey: 'documentation-only-key-not-used-for-anything',
    logLevel: 'silent',
    workers: false,
  });
  await app.ready();
  const doc = app.swagger();
  await app.close();
  await database.close();
  return doc;
}

/** A schema registered with an id comes out as a $ref into $defs; a message payload wants it inline. */
function inline(schema: Record<string, unknown>): Record<string, unknown> {
  const { $ref, $defs } = schema as { $ref?: string; $defs?: Record<string, object> };
  const name = $ref?.replace('#/$defs/', '');
  return name && $defs?.[name] ? { ...$defs[name] } : schema;
}

/** The AsyncAPI 3.0 document: every published event, its subject, payload and CloudEvents headers. */
export function asyncApiDocument(): unknown {
  const published = allServices.flatMap((s) => s.events.filter((e) => e.published));
  const headers = z.toJSONSchema(EventMetadata, { io: 'output' });
  const channels: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  for (const e of published) {
    const id = `${e.service}.${e.name}`;
    messages[id] = {
      name: e.name,
      title: cloudEventType(e),
      summary: e.description,
      contentType: 'application/json',
      headers: { ...headers, description: 'CloudEvents attributes, each as a ce-<attribute> header' },
      payload: inline(z.toJSONSchema(e.schema, { io: 'output' })),
    };
    channels[id] = {
      address: subjectOf('casework', e.service, e.name),
      messages: { [e.name]: { $ref: `#/components/messages/${id}` } },
    };
    operations[`publish.${id}`] = {
      action: 'send',
      channel: { $ref: `#/channels/${id}` },
      summary: `${e.service} publishes ${e.name} from its outbox (msgID = event id)`,
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Casework events',
      version: '1.0.0',
      description:
        'Domain events published to the NATS JetStream stream CASEWORK. Delivery is at least once; ' +
        'consumers de-duplicate by the ce-id header (the event id). Events never carry a personal ' +
        'identifier, a name or an address.',
    },
    defaultContentType: 'application/json',
    servers: { nats: { host: 'localhost:4222', protocol: 'nats', description: 'JetStream enabled' } },
    channels,
    operations,
    components: { messages },
  };
}

/** Every generated document, by path under the repository root. */
export async function generatedDocuments(): Promise<Record<string, string>> {
  return {
    'docs/openapi/casework.json': json(await openApiDocument()),
    'docs/asyncapi/casework.json': json(asyncApiDocument()),
  };
}
