import { clientDirectoryConsumer, isRegistration } from '@casework/client-directory';
import {
  ApplicationClosed,
  ApplicationSubmitted,
  ApplicationWithdrawn,
  ClientDied,
  ClientMoved,
  ReferralRecorded,
} from '@casework/contracts';
import { type ConsumerSpec, inRuns } from '@casework/messaging';
import type { ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';
import { discharge } from '../application/discharge.js';
import { listIfEligible, removeEntries } from '../application/entries.js';
import { lockClients } from '../application/locks.js';
import { loadPlacements } from '../application/stays.js';
import { openTask } from '../application/tasks.js';

const APPLICATIONS = [ApplicationSubmitted, ReferralRecorded, ApplicationWithdrawn, ApplicationClosed];

/**
 * What placement learns from intake, in one durable consumer so it arrives in intake's order: the
 * client directory, the applications its waiting lists are made of, and the life events it must act
 * on — a death discharges on that date, a move out of the municipality opens a task.
 */
export const intakeConsumer = (ctx: ServiceContext): ConsumerSpec => {
  const directory = clientDirectoryConsumer(ctx);
  const applications = sql.id(ctx.store.schema, 'applications');
  const spec: ConsumerSpec = {
    name: 'intake',
    sources: { intake: [...new Set([...directory.sources.intake!, ...APPLICATIONS.map((d) => d.name)])] },
    handle: async (event, tx) => {
      if (directory.sources.intake!.includes(event.type)) await directory.handle(event, tx);
      const cause = { correlationId: event.metadata.correlationid, causationId: event.eventId };
      switch (event.type) {
        case ApplicationSubmitted.name: {
          const a = ApplicationSubmitted.schema.parse(event.data);
          await sql`INSERT INTO ${applications} (application_id, client_id, service_type, municipality, submitted_on,
              referral_required)
            VALUES (${a.applicationId}::uuid, ${a.clientId}::uuid, ${a.serviceType}, ${a.municipality},
              ${a.submittedOn}::date, ${a.referralRequired})
            ON CONFLICT (application_id) DO NOTHING`.execute(tx);
          await listIfEligible(ctx, tx, a.clientId, a.serviceType, cause);
          return;
        }
        case ReferralRecorded.name: {
          const r = ReferralRecorded.schema.parse(event.data);
          await sql`UPDATE ${applications} SET referral_on = ${r.issuedOn}::date
            WHERE application_id = ${r.applicationId}::uuid`.execute(tx);
          await listIfEligible(ctx, tx, r.clientId, r.serviceType, cause);
          return;
        }
        case ApplicationWithdrawn.name:
        case ApplicationClosed.name: {
          const withdrawn = event.type === ApplicationWithdrawn.name;
          const d = withdrawn
            ? ApplicationWithdrawn.schema.parse(event.data)
            : ApplicationClosed.schema.parse(event.data);
          await sql`UPDATE ${applications} SET open = false WHERE application_id = ${d.applicationId}::uuid`.execute(
            tx,
          );
          const on = 'withdrawnOn' in d ? d.withdrawnOn : d.closedOn;
          await removeEntries(
            ctx,
            tx,
            { clientId: d.clientId, applicationId: d.applicationId },
            { on, reason: withdrawn ? 'withdrawn' : 'closed' },
            cause,
          );
          return;
        }
        case ClientDied.name: {
          const d = ClientDied.schema.parse(event.data);
          // the listing lock before any site's (the discharges take those): removeEntries takes it
          // too, and would otherwise take it after them, the other way round from an admission
          await lockClients(ctx, tx, [d.clientId]);
          const { state } = await loadPlacements(ctx, d.clientId, tx);
          for (const [placementId, stay] of state.stays) {
            if (stay.to !== null && stay.to <= d.diedOn) continue;
            await discharge(
              ctx,
              { placementId, on: d.diedOn, reason: 'deceased', destination: { kind: 'unknown' } },
              cause,
              tx,
            );
          }
          await removeEntries(ctx, tx, { clientId: d.clientId }, { on: d.diedOn, reason: 'died' }, cause);
          // a death ends every application: an eligible outcome arriving later lists nothing
          await sql`UPDATE ${applications} SET open = false WHERE client_id = ${d.clientId}::uuid`.execute(
            tx,
          );
          return;
        }
        case ClientMoved.name: {
          const d = ClientMoved.schema.parse(event.data);
          const { state } = await loadPlacements(ctx, d.clientId, tx);
          for (const [placementId, stay] of state.stays) {
            if ((stay.to !== null && stay.to <= d.movedOn) || stay.municipality !== d.from) continue;
            await openTask(
              ctx,
              tx,
              {
                kind: 'moved_out_of_municipality',
                clientId: d.clientId,
                placementId,
                municipality: stay.municipality,
                on: d.movedOn,
                detail: `the client's case moved to ${d.to} on ${d.movedOn}: review the ${stay.serviceType} placement`,
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
    // registrations, the bulk of what arrives, into the directory together (placement does nothing else with them)
    handleBatch: (events, tx) => inRuns(events, tx, isRegistration, directory.handleBatch!, spec.handle),
  };
  return spec;
};
