import type { Decider, DomainEvent } from '@casework/contracts';
import type { Tx } from '@casework/eventstore';
import { type Cause, decideIn as decideInTx, type ServiceContext } from '@casework/service-kit';
import { definitions } from './streams.js';

/** service-kit's decideIn with placement's event contracts: load → decide → append in the holder's `tx`. */
export const decideIn = <S, C, E extends DomainEvent>(
  ctx: ServiceContext,
  tx: Tx,
  stream: { streamId: string; streamType: string },
  decider: Decider<S, C, E>,
  command: C | ((state: S) => C),
  cause: Cause,
) => decideInTx(ctx, tx, { ...stream, decider, definitions, command, cause });
