import {
  ClientPersonalDetailsRecorded,
  ClientRegistered,
  IdentifierClaimed,
  parseEgn,
  sofiaDate,
} from '@casework/contracts';
import type { RecordedEvent } from '@casework/eventstore';
import { ConcurrencyError } from '@casework/eventstore';
import { type Cause, conflict, type ServiceContext, toNewEvent } from '@casework/service-kit';
import { type Client, type ClientEvent, decide, evolve, initialState } from '../domain/client.js';
import { clientStream, identifierHash, identifierStream } from '../domain/identifierHash.js';

const DEFINITIONS = { ClientRegistered, ClientPersonalDetailsRecorded } as const;

export async function loadClient(
  ctx: ServiceContext,
  clientId: string,
): Promise<{ state: Client; version: number }> {
  const { version, events } = await ctx.store.readStream(clientStream(clientId));
  const state = events.reduce(
    (s, e: RecordedEvent) => evolve(s, { type: e.type, data: e.data } as ClientEvent),
    initialState,
  );
  return { state, version };
}

export type RegisterInput = {
  identifier: { kind: 'egn' | 'lnch'; value: string };
  givenName: string;
  familyName: string;
  municipality: string;
  birthDate?: string;
  sex?: 'male' | 'female';
};

/**
 * Registers a person once: the client stream and a claim on the identifier's keyed hash are appended
 * together, so a second registration of the same person fails on the claim and writes nothing.
 */
export async function registerClient(ctx: ServiceContext, input: RegisterInput, cause: Cause) {
  const clientId = ctx.newId();
  const egn = input.identifier.kind === 'egn' ? parseEgn(input.identifier.value) : undefined;
  const facts = egn?.ok ? egn.facts : undefined;
  const events = decide(
    {
      type: 'RegisterClient',
      clientId,
      identifier: input.identifier,
      givenName: input.givenName,
      familyName: input.familyName,
      // an ЕГН encodes birth date and sex; with an ЛНЧ the request states them (the body schema insists)
      birthDate: facts?.birthDate ?? input.birthDate!,
      sex: facts?.sex ?? input.sex ?? 'unknown',
      municipality: input.municipality,
      today: sofiaDate(ctx.clock()),
    },
    initialState,
  );
  const hash = identifierHash(ctx.secrets.identifierKey, input.identifier);
  const stream = clientStream(clientId);
  try {
    const result = await ctx.store.append([
      {
        streamId: stream,
        streamType: 'client',
        expectedVersion: 'no_stream',
        events: events.map((e) => toNewEvent(ctx, DEFINITIONS[e.type], e.data as never, stream, cause)),
      },
      {
        streamId: identifierStream(hash),
        streamType: 'identifier',
        expectedVersion: 'no_stream',
        events: [toNewEvent(ctx, IdentifierClaimed, { clientId }, identifierStream(hash), cause)],
      },
    ]);
    return { clientId, version: result.streams[0]!.version, state: events.reduce(evolve, initialState) };
  } catch (e) {
    if (e instanceof ConcurrencyError && e.streamId === identifierStream(hash)) {
      const { events: claim } = await ctx.store.readStream(identifierStream(hash));
      const existing = (claim[0]?.data as { clientId: string } | undefined)?.clientId;
      throw conflict('CLIENT_ALREADY_REGISTERED', 'this person is already registered', {
        existing: { clientId: existing, href: `/v1/clients/${existing}` },
      });
    }
    throw e;
  }
}
