import { EligibilityChanged, EligibilityDetermined, EligibilityOverridden } from '@casework/contracts';
import type { ConsumerSpec } from '@casework/messaging';
import type { ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';
import { listIfEligible, removeEntries } from '../application/entries.js';
import { loadPlacements } from '../application/stays.js';
import { openTask } from '../application/tasks.js';

/**
 * Eligibility's outcomes: the one in effect per client and service type (admissions need it), the
 * waiting-list entries it lets in or takes off, and a task when a resident's eligibility lapses.
 */
export const eligibilityConsumer = (ctx: ServiceContext): ConsumerSpec => {
  const t = sql.id(ctx.store.schema, 'eligibility');
  return {
    name: 'eligibility',
    sources: {
      eligibility: [EligibilityDetermined.name, EligibilityChanged.name, EligibilityOverridden.name],
    },
    handle: async (event, tx) => {
      const cause = { correlationId: event.metadata.correlationid, causationId: event.eventId };
      switch (event.type) {
        case EligibilityDetermined.name: {
          const d = EligibilityDetermined.schema.parse(event.data);
          // the outcome in effect comes with EligibilityChanged; a new row starts from the computed one
          await sql`INSERT INTO ${t} (client_id, service_type, determination_id, outcome, valid_until)
            VALUES (${d.clientId}::uuid, ${d.serviceType}, ${d.determinationId}::uuid, ${d.outcome}, ${d.validUntil}::date)
            ON CONFLICT (client_id, service_type) DO UPDATE
              SET determination_id = excluded.determination_id, valid_until = excluded.valid_until`.execute(
            tx,
          );
          return;
        }
        case EligibilityOverridden.name: {
          const d = EligibilityOverridden.schema.parse(event.data);
          await sql`UPDATE ${t} SET valid_until = ${d.until}::date
            WHERE client_id = ${d.clientId}::uuid AND service_type = ${d.serviceType}`.execute(tx);
          return;
        }
        case EligibilityChanged.name: {
          const d = EligibilityChanged.schema.parse(event.data);
          await sql`UPDATE ${t} SET outcome = ${d.to}
            WHERE client_id = ${d.clientId}::uuid AND service_type = ${d.serviceType}`.execute(tx);
          if (d.to === 'eligible') {
            await listIfEligible(ctx, tx, d.clientId, d.serviceType, cause);
            return;
          }
          if (d.from !== 'eligible') return;
          await removeEntries(
            ctx,
            tx,
            { clientId: d.clientId, serviceType: d.serviceType },
            { on: d.on, reason: 'eligibility_lapsed' },
            cause,
          );
          const { state } = await loadPlacements(ctx, d.clientId, tx);
          for (const [placementId, stay] of state.stays) {
            if (stay.serviceType !== d.serviceType || (stay.to !== null && stay.to <= d.on)) continue;
            await openTask(
              ctx,
              tx,
              {
                kind: 'eligibility_lapsed',
                clientId: d.clientId,
                placementId,
                municipality: stay.municipality,
                on: d.on,
                detail: `eligibility for ${d.serviceType} is ${d.to} from ${d.on}: review the placement`,
                causedBy: event.eventId,
              },
              cause,
            );
          }
          return;
        }
        default:
          return;
      }
    },
  };
};
