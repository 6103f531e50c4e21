import type { ServiceTypeCode, SubmitApplicationBody } from '@casework/contracts';
import { missing } from '@casework/contracts';
import { intakeParameters, serviceType } from '@casework/reference-data';
import {
  assertMayAsk,
  type Cause,
  covers,
  type Jurisdiction,
  loadAggregate,
  type ServiceContext,
  unitOfWork,
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
  return { ...loaded, state: assertVisible(j, applicationId, loaded.state) };
}

/** An application the caller may not see reads as absent (404); one they may, as submitted. */
function assertVisible<S extends { status: string; municipality?: string }>(
  j: Jurisdiction,
  applicationId: string,
  state: S,
): Exclude<S, { status: 'unknown' }> {
  if (state.status === 'unknown' || !covers(j, state.municipality!))
    throw missing(`application ${applicationId}`);
  return state as Exclude<S, { status: 'unknown' }>;
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
  const submit = {
    type: 'SubmitApplication' as const,
    applicationId,
    ...input,
    referralRequired: serviceType(input.serviceType).referral.required,
    assessmentDeadlineDays: intakeParameters(input.municipality, input.submittedOn).assessmentDeadlineDays,
  };
  // a concurrent submission that took the slot first: decided again, the slot says which holds it
  return unitOfWork(ctx, { definitions, cause }, async (unit) => {
    const [slot, application] = await unit.load([
      slotOf(input.clientId, input.serviceType),
      {
        streamId: applicationStream(applicationId),
        streamType: 'application',
        decider: applicationDecider,
        fresh: true,
      },
    ]);
    unit.decide(slot, slotDecider, { type: 'Take', applicationId });
    const submitted = unit.decide(application, applicationDecider, submit);
    return { state: submitted.state, version: submitted.version };
  });
}

/** The client's slot for a service type in a unit of work: one open application at a time. */
const slotOf = (clientId: string, type: ServiceTypeCode) => ({
  streamId: slotStream(clientId, type),
  streamType: 'application-slot',
  decider: slotDecider,
});

/** Any later command on a visible application; ending it (withdraw, close) frees the client's slot. */
export async function runApplicationCommand(
  ctx: ServiceContext,
  j: Jurisdiction,
  applicationId: string,
  build: (state: Awaited<ReturnType<typeof visibleApplication>>['state']) => ApplicationCommand,
  expectedVersion: number | undefined,
  cause: Cause,
) {
  return unitOfWork(ctx, { definitions, cause }, async (unit) => {
    const [application] = await unit.load([
      { streamId: applicationStream(applicationId), streamType: 'application', decider: applicationDecider },
    ]);
    const state = assertVisible(j, applicationId, application.state);
    unit.expect(application, expectedVersion);
    const inMunicipality = { municipality: state.municipality, ...cause };
    const decided = unit.decide(application, applicationDecider, build(state), inMunicipality);
    if (decided.events.some((e) => e.type === 'ApplicationWithdrawn' || e.type === 'ApplicationClosed')) {
      const [slot] = await unit.load([slotOf(state.clientId, state.serviceType)]);
      unit.decide(slot, slotDecider, { type: 'Free', applicationId }, inMunicipality);
    }
    return { state: decided.state, version: decided.version };
  });
}
