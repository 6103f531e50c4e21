import { clientDirectoryConsumer, isRegistration } from '@casework/client-directory';
import {
  ApplicationSubmitted,
  ClientDetailsCorrected,
  ClientDied,
  ClientMoved,
  ClientRegistered,
  ClientsMerged,
  ClientsUnmerged,
  DisabilityAssessed,
  DwellingOwnershipRecorded,
  FactRetracted,
  HouseholdMemberAdded,
  HouseholdMemberLeft,
  IncomeDeclared,
  NeedsAssessed,
  ReferralRecorded,
  ResidenceRecorded,
  sofiaDate,
} from '@casework/contracts';
import { type ConsumerSpec, inRuns } from '@casework/messaging';
import type { ServiceContext } from '@casework/service-kit';
import { currentQuestions, determineAll } from '../application/determine.js';
import { keepFact, keepFacts } from '../application/keepFact.js';

/** Intake's events that carry a fact eligibility rests on: kept, then the client is re-evaluated. */
const FACTS = [
  ClientRegistered,
  ClientDetailsCorrected,
  ClientDied,
  ClientMoved,
  IncomeDeclared,
  DisabilityAssessed,
  DwellingOwnershipRecorded,
  FactRetracted,
  ResidenceRecorded,
  HouseholdMemberAdded,
  HouseholdMemberLeft,
  NeedsAssessed,
  ReferralRecorded,
  ApplicationSubmitted,
];
const byName = new Map<string, (typeof FACTS)[number]>(FACTS.map((d) => [d.name, d]));

/**
 * Everything eligibility learns from intake, in one durable consumer so it arrives in intake's order:
 * the client directory, the facts (one row per event), a determination for each application, and a
 * re-evaluation of the client's current determinations whenever a fact changes. The inbox makes each
 * of these happen once per event, however often it is delivered.
 */
export const intakeConsumer = (ctx: ServiceContext): ConsumerSpec => {
  const directory = clientDirectoryConsumer(ctx);
  const spec: ConsumerSpec = {
    name: 'intake-facts',
    sources: { intake: [...new Set([...directory.sources.intake!, ...byName.keys(), ClientsUnmerged.name])] },
    handle: async (event, tx) => {
      if (directory.sources.intake!.includes(event.type)) await directory.handle(event, tx);
      const cause = { correlationId: event.metadata.correlationid, causationId: event.eventId };
      const today = sofiaDate(ctx.clock());
      const trigger = { kind: 'fact_changed' as const, eventId: event.eventId };
      if (event.type === ClientsMerged.name || event.type === ClientsUnmerged.name) {
        const merged = event.type === ClientsMerged.name;
        const d = (merged ? ClientsMerged : ClientsUnmerged).schema.parse(event.data);
        // the survivor gains (or loses again) the merged record's facts; an unmerged record stands alone
        const ids = merged ? [d.survivorId] : [d.survivorId, d.mergedId];
        await determineAll(ctx, tx, currentQuestions(ids, today, trigger), cause);
        return;
      }
      const def = byName.get(event.type);
      if (!def) return;
      const data = def.schema.parse(event.data) as { clientId: string };
      await keepFact(ctx, tx, event.eventId, event.type, data);
      if (event.type === ClientRegistered.name) return; // nothing to re-evaluate yet
      if (event.type === ApplicationSubmitted.name) {
        const a = ApplicationSubmitted.schema.parse(event.data);
        await determineAll(
          ctx,
          tx,
          [
            {
              clientId: a.clientId,
              serviceType: a.serviceType,
              municipality: a.municipality,
              applicationId: a.applicationId,
              asOf: today,
              trigger: { kind: 'application', eventId: event.eventId },
            },
          ],
          cause,
        );
        return;
      }
      await determineAll(ctx, tx, currentQuestions([data.clientId], today, trigger), cause);
    },
    // registrations, the bulk of what arrives, together: in the directory and as facts, nothing to decide
    handleBatch: (events, tx) =>
      inRuns(
        events,
        tx,
        isRegistration,
        async (run) => {
          await directory.handleBatch!(run, tx);
          await keepFacts(
            ctx,
            tx,
            run.map((e) => ({
              eventId: e.eventId,
              type: e.type,
              data: ClientRegistered.schema.parse(e.data),
            })),
          );
        },
        spec.handle,
      ),
  };
  return spec;
};
