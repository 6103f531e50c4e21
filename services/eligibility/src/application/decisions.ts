import type { LocalDate, MunicipalityCode, Outcome } from '@casework/contracts';
import { eligibilityParameters } from '@casework/reference-data';
import { type Cause, execute, loadAggregate, type ServiceContext } from '@casework/service-kit';
import { eligibilityDecider } from '../domain/clientEligibility.js';
import { eligibilityStream } from '../domain/streams.js';
import { definitions } from './ruleSets.js';

export const loadEligibility = (ctx: ServiceContext, clientId: string) =>
  loadAggregate(ctx, eligibilityStream(clientId), eligibilityDecider);

const run = (
  ctx: ServiceContext,
  clientId: string,
  command: Parameters<typeof eligibilityDecider.decide>[0],
  cause: Cause,
  expectedVersion?: number,
) =>
  execute(ctx, {
    streamId: eligibilityStream(clientId),
    streamType: 'eligibility',
    decider: eligibilityDecider,
    definitions,
    command,
    cause,
    expectedVersion,
  });

export const override = (
  ctx: ServiceContext,
  clientId: string,
  input: { determinationId: string; outcome: Outcome; reason: string; supervisor: string; on: LocalDate },
  cause: Cause,
  expectedVersion?: number,
) => run(ctx, clientId, { type: 'Override', overrideId: ctx.newId(), ...input }, cause, expectedVersion);

export const lodgeAppeal = (
  ctx: ServiceContext,
  clientId: string,
  input: {
    determinationId: string;
    municipality: MunicipalityCode;
    notifiedOn: LocalDate;
    lodgedOn: LocalDate;
  },
  cause: Cause,
) =>
  run(
    ctx,
    clientId,
    {
      type: 'LodgeAppeal',
      appealId: ctx.newId(),
      determinationId: input.determinationId,
      notifiedOn: input.notifiedOn,
      lodgedOn: input.lodgedOn,
      // the deadline in force when the refusal was notified
      deadlineDays: eligibilityParameters(input.municipality, input.notifiedOn).appealDeadlineDays,
    },
    cause,
  );

export const resolveAppeal = (
  ctx: ServiceContext,
  clientId: string,
  input: { appealId: string; resolution: 'upheld' | 'overturned'; resolvedOn: LocalDate },
  cause: Cause,
) => run(ctx, clientId, { type: 'ResolveAppeal', ...input }, cause);
