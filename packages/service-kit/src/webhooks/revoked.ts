import { IntegratorRevoked } from '@casework/contracts';
import type { Tx } from '@casework/eventstore';
import type { ConsumerSpec } from '@casework/messaging';
import { sql } from 'kysely';
import type { ServiceContext } from '../serviceModule.js';
import { disableEndpoints } from './dispatcher.js';

/** Why an endpoint of a revoked integrator was disabled, as its owner and admins read it. */
const REASON = "its integrator's credentials were revoked";

/** Disables the webhook endpoints an integrator registered with this service (its token's subject owns them). */
export async function disableEndpointsOf(tx: Tx, schema: string, integratorId: string): Promise<void> {
  const { rows } = await sql<{ id: string }>`SELECT id::text FROM ${sql.id(schema, 'webhook_endpoints')}
    WHERE owner = ${`integrator:${integratorId}`} AND status = 'enabled'`.execute(tx);
  if (rows.length > 0)
    await disableEndpoints(
      tx,
      schema,
      rows.map((r) => r.id),
      REASON,
    );
}

/**
 * Intake keeps the integrators' registry; every other service hears of a revocation by its event and
 * disables that integrator's endpoints with it, so nothing is pushed to an integrator whose access ended
 * (ADR 15). Doing it again for a redelivered event finds nothing enabled.
 */
export const revokedIntegrators = (ctx: ServiceContext): ConsumerSpec => ({
  name: 'revoked-integrators',
  sources: { intake: [IntegratorRevoked.name] },
  handle: async (event, tx) => {
    const { integratorId } = IntegratorRevoked.schema.parse(event.data);
    await disableEndpointsOf(tx, ctx.store.schema, integratorId);
  },
});
