import type { SubmitApplicationBody } from '@casework/contracts';
import { missing, staleVersion } from '@casework/contracts';
import { intakeParameters, serviceType } from '@casework/reference-data';
import {
  appendOf,
  assertMayAsk,
  type Cause,
  covers,
  type Jurisdiction,
  loadAggregate,
  type ServiceContext,
} from '@casework/service-kit';
import type { z } from 'zod';
import { type ApplicationCommand, applicationDecider } from '../domain/application.js';
import { slotDecider } from '../domain/applicationSlot.js';
import { active } from '../domain/client.js';
import { definitions, visibleClient } from './clients.js';

export const applicationStream = (id: string) => `application-${id}`;
const slotStream = (clientId: string, serviceType: string) => `application-slot-${clientId}-${serviceType}`;

export async function visibleApplication(ctx: ServiceContext, j: Jurisdiction, applicationId: string) {
  const loaded = await loadAggregate(ctx, applicationStream(applicationId), applicationDecider);
  if (loaded.state.status === 'unknown' || !covers(j, loaded.state.municipality))
    throw missing(`application ${applicationId}`);
  return loaded as typeof loaded & { state: Exclude<typeof loaded.state, { status: 'unknown' }> };
}

/**
 * Submits an application: the application stream and the client's slot for that service type are
 * appended together, so a client never holds two open applications for the same service type.
 */
export async function submitApplication(
  ctx: ServiceContext,
  j: Jurisdiction,
  input: z.infer<typeof SubmitApplicationBody>,
  cause: Cause,
) {
  assertMayAsk(j, { municipality: input.municipality });
  const client = await visibleClient(ctx, j, input.clientId);
  active(client.state);
  const applicationId = ctx.newId();
  const slot = { streamId: slotStream(input.clientId, input.serviceType), streamType: 'application-slot' };
  const loadedSlot = await loadAggregate(ctx, slot.streamId, slotDecider);
  const taken = slotDecider.decide({ type: 'Take', applicationId }, loadedSlot.state);
  const events = applicationDecider.decide(
    {
      type: 'SubmitApplication',
      applicationId,
      ...input,
      referralRequired: serviceType(input.serviceType).referral.required,
      assessmentDeadlineDays: intakeParameters(input.municipality, input.submittedOn).assessmentDeadlineDays,
    },
    applicationDecider.initialState,
  );
  const stream = { streamId: applicationStream(applicationId), streamType: 'application', version: 0 };
  try {
    const result = await ctx.store.append([
      appendOf(ctx, stream, events, definitions, cause),
      appendOf(ctx, { ...slot, version: loadedSlot.version }, taken, definitions, cause),
    ]);
    return {
      state: events.reduce(applicationDecider.evolve, applicationDecider.initialState),
      version: result.streams[0]!.version,
    };
  } catch (e) {
    // a concurrent submission took the slot: decide again to report which application holds it
    slotDecider.decide(
      { type: 'Take', applicationId },
      (await loadAggregate(ctx, slot.streamId, slotDecider)).state,
    );
    throw e;
  }
}

/** Any later command on a visible application; ending it (withdraw, close) frees the client's slot. */
export async function runApplicationCommand(
  ctx: ServiceContext,
  j: Jurisdiction,
  applicationId: string,
  build: (state: Awaited<ReturnType<typeof visibleApplication>>['state']) => ApplicationCommand,
  expectedVersion: number | undefined,
  cause: Cause,
) {
  const { state, version } = await visibleApplication(ctx, j, applicationId);
  if (expectedVersion !== undefined && expectedVersion !== version) throw staleVersion();
  cause = { municipality: state.municipality, ...cause };
  const events = applicationDecider.decide(build(state), state);
  if (events.length === 0) return { state, version };
  const ends = events.some((e) => e.type === 'ApplicationWithdrawn' || e.type === 'ApplicationClosed');
  const slot = { streamId: slotStream(state.clientId, state.serviceType), streamType: 'application-slot' };
  const loadedSlot = ends ? await loadAggregate(ctx, slot.streamId, slotDecider) : undefined;
  const freed = loadedSlot ? slotDecider.decide({ type: 'Free', applicationId }, loadedSlot.state) : [];
  const result = await ctx.store.append([
    appendOf(
      ctx,
      { streamId: applicationStream(applicationId), streamType: 'application', version },
      events,
      definitions,
      cause,
    ),
    ...(loadedSlot && freed.length > 0
      ? [appendOf(ctx, { ...slot, version: loadedSlot.version }, freed, definitions, cause)]
      : []),
  ]);
  return { state: events.reduce(applicationDecider.evolve, state), version: result.streams[0]!.version };
}
