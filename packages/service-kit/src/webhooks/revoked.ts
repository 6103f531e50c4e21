import { IntegratorRevoked } from '@casework/contracts';
import type { Executor, Tx } from '@casework/eventstore';
import type { ConsumerSpec } from '@casework/messaging';
import { sql } from 'kysely';
import { integratorSubject } from '../integrators/subject.js';
import { forbidden } from '../problems.js';
import type { ServiceContext } from '../serviceModule.js';
import { disableEndpoints } from './dispatcher.js';

/** Why an endpoint of a revoked integrator was disabled, as its owner and admins read it. */
const REASON = "its integrator's credentials were revoked";

/**
 * Takes the turn of an owner's endpoints in this transaction: a registration or an enabling and a
 * revocation of the same owner never interleave (one waits for the other's commit).
 */
export const lockOwner = (tx: Tx, owner: string) =>
  sql`SELECT pg_advisory_xact_lock(hashtextextended(${`webhooks:${owner}`}, 0))`.execute(tx);

/**
 * Ends a revoked integrator's webhooks with this service: its endpoints disabled (what waits for them
 * parked), and the integrator remembered, so that a token it still holds (up to 10 minutes) registers
 * or enables none again.
 */
export async function endWebhooksOf(tx: Tx, schema: string, integratorId: string): Promise<void> {
  const owner = integratorSubject(integratorId);
  await lockOwner(tx, owner);
  await sql`INSERT INTO ${sql.id(schema, 'webhook_revoked_owners')} (owner) VALUES (${owner})
    ON CONFLICT (owner) DO NOTHING`.execute(tx);
  const { rows } = await sql<{ id: string }>`SELECT id::text FROM ${sql.id(schema, 'webhook_endpoints')}
    WHERE owner = ${owner} AND status = 'enabled'`.execute(tx);
  if (rows.length > 0)
    await disableEndpoints(
      tx,
      schema,
      rows.map((r) => r.id),
      REASON,
    );
}

/** 403 when the owner is a revoked integrator: its endpoints are neither registered nor enabled again. */
export async function refuseRevoked(ex: Executor, schema: string, owner: string): Promise<void> {
  const { rows } = await sql`SELECT 1 FROM ${sql.id(schema, 'webhook_revoked_owners')}
    WHERE owner = ${owner}`.execute(ex);
  if (rows.length > 0) throw forbidden("the integrator's credentials were revoked");
}

/**
 * Intake keeps the integrators' registry; every other service hears of a revocation by its event and
 * ends that integrator's webhooks with it, so nothing is pushed to an integrator whose access ended
 * (ADR 15). A redelivered event finds it done.
 */
export const revokedIntegrators = (ctx: ServiceContext): ConsumerSpec => ({
  name: 'revoked-integrators',
  sources: { intake: [IntegratorRevoked.name] },
  handle: async (event, tx) => {
    const { integratorId } = IntegratorRevoked.schema.parse(event.data);
    await endWebhooksOf(tx, ctx.store.schema, integratorId);
  },
});
