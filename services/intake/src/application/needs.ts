import { breaksRule, missing } from '@casework/contracts';
import { intakeParameters } from '@casework/reference-data';
import {
  type Cause,
  execute,
  type Jurisdiction,
  loadAggregate,
  type ServiceContext,
} from '@casework/service-kit';
import { active } from '../domain/client.js';
import { type NeedsCommand, needsDecider } from '../domain/needs.js';
import { visibleApplication } from './applications.js';
import { definitions, visibleClient } from './clients.js';

export const needsStream = (clientId: string) => `needs-${clientId}`;

export async function loadNeeds(ctx: ServiceContext, j: Jurisdiction, clientId: string) {
  await visibleClient(ctx, j, clientId);
  return loadAggregate(ctx, needsStream(clientId), needsDecider);
}

type WithoutInterval<C> = C extends { type: 'RecordAssessment' } ? Omit<C, 'reassessmentIntervalMonths'> : C;

/** Records an assessment (the reassessment interval comes from the parameters in force) or a plan. */
export async function runNeedsCommand(
  ctx: ServiceContext,
  j: Jurisdiction,
  command: WithoutInterval<NeedsCommand>,
  cause: Cause,
) {
  const { state } = await visibleClient(ctx, j, command.clientId);
  // every id named is in scope (else 404) before any rule runs
  const application =
    command.type === 'RecordAssessment' && command.applicationId
      ? (await visibleApplication(ctx, j, command.applicationId)).state
      : undefined;
  // an assessment is named within the client's needs: one of another client, another municipality's
  // included, answers exactly as one that does not exist (no 409 telling them apart)
  if (command.type === 'AgreePlan') {
    const needs = await loadAggregate(ctx, needsStream(command.clientId), needsDecider);
    if (!needs.state.assessments.some((a) => a.assessmentId === command.assessmentId))
      throw missing('the needs assessment');
  }
  const client = active(state);
  if (
    application &&
    application.clientId !== client.clientId &&
    !client.mergedClients.includes(application.clientId)
  )
    throw breaksRule('APPLICATION_OF_ANOTHER_CLIENT', 'the application named is of another client');
  const full: NeedsCommand =
    command.type === 'RecordAssessment'
      ? {
          ...command,
          reassessmentIntervalMonths: intakeParameters(client.municipality, command.assessedOn)
            .reassessmentIntervalMonths,
        }
      : command;
  return execute(ctx, {
    streamId: needsStream(command.clientId),
    streamType: 'needs',
    decider: needsDecider,
    definitions,
    command: full,
    cause,
  });
}
