import { breaksRule, conflictWith } from '@casework/contracts';
import { type Cause, execute, type Jurisdiction, type ServiceContext } from '@casework/service-kit';
import { type FactCommand, factsDecider } from '../domain/facts.js';
import { definitions, visibleClient } from './clients.js';

export const factsStream = (clientId: string) => `facts-${clientId}`;

/** Records or retracts a fact of a visible client; a merged record takes no new facts. */
export async function runFactCommand(
  ctx: ServiceContext,
  j: Jurisdiction,
  command: FactCommand,
  cause: Cause,
) {
  const { state } = await visibleClient(ctx, j, command.clientId);
  if (state.status === 'merged')
    throw conflictWith('CLIENT_MERGED', 'this record was merged into another; record facts on the survivor', {
      survivor: { clientId: state.mergedInto, href: `/v1/clients/${state.mergedInto}` },
    });
  if (command.type === 'DeclareIncome' && command.memberId) {
    // a member's income counts from a date they belong to the household (eligibility sums the household)
    const member = state.household.find((m) => m.memberId === command.memberId);
    const memberOn = (d: string) => member && member.from <= d && (!member.leftOn || member.leftOn > d);
    if (!memberOn(command.validFrom))
      throw breaksRule('NOT_A_HOUSEHOLD_MEMBER', 'memberId names no member of the household on validFrom');
  }
  return execute(ctx, {
    streamId: factsStream(command.clientId),
    streamType: 'facts',
    decider: factsDecider,
    definitions,
    command,
    cause: { ...cause, effectiveDate: 'validFrom' in command ? command.validFrom : undefined },
  });
}
