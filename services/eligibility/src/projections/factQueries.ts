import { ApplicationSubmitted } from '@casework/contracts';
import type { ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';

/**
 * An application as intake's `ApplicationSubmitted` told it, from the facts eligibility keeps of each
 * client (`client_facts`, written as their events arrive), if it was submitted.
 */
export async function submittedApplication(ctx: ServiceContext, clientId: string, applicationId: string) {
  const { rows } = await sql<{ municipality: string; service_type: string }>`SELECT
      data->>'municipality' AS municipality, data->>'serviceType' AS service_type
    FROM ${sql.id(ctx.store.schema, 'client_facts')}
    WHERE client_id = ${clientId}::uuid AND type = ${ApplicationSubmitted.name}
      AND data->>'applicationId' = ${applicationId}`.execute(ctx.store.db);
  const a = rows[0];
  return a && { municipality: a.municipality, serviceType: a.service_type };
}
