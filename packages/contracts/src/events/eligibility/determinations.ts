import { z } from 'zod';
import { MunicipalityCode } from '../../codes.js';
import { CriterionOutcome, EligibilityFactKind, FactUsed, Outcome } from '../../eligibility/criteria.js';
import { defineEvent } from '../../eventCatalogue.js';
import { CalendarDate } from '../../localDate.js';
import { ServiceTypeCode } from '../../serviceType.js';
import { ApplicationId } from '../intake/applications.js';
import { ClientId } from '../intake/clients.js';
import { RuleSetId } from './ruleSets.js';

export const DeterminationId = z.uuid();

/** What made eligibility decide again. */
export const Trigger = z.object({
  kind: z.enum(['application', 'request', 'fact_changed', 'rule_set', 'expiry']),
  eventId: z.uuid().optional().meta({ description: 'The event that caused it, when one did' }),
});

const subject = {
  clientId: ClientId,
  serviceType: ServiceTypeCode,
  municipality: MunicipalityCode.meta({ description: 'The municipality whose rules applied' }),
};

export const EligibilityDetermined = defineEvent({
  service: 'eligibility',
  name: 'EligibilityDetermined',
  version: 1,
  published: true,
  forIntegrators: true,
  description:
    'A determination with its reasons: the rule-set version, each criterion with its result and the ' +
    'facts (by event id) it rested on, the missing facts, and the date it holds until.',
  schema: z
    .object({
      determinationId: DeterminationId,
      ...subject,
      applicationId: ApplicationId.optional(),
      asOf: CalendarDate,
      knownAt: z.iso.datetime().meta({ description: 'The facts as recorded up to this time' }),
      ruleSet: z.object({ ruleSetId: RuleSetId, version: z.number().int().min(1) }),
      outcome: Outcome,
      criteria: z.array(CriterionOutcome),
      factsUsed: z.array(FactUsed),
      missing: z.array(EligibilityFactKind),
      validUntil: CalendarDate,
      trigger: Trigger,
    })
    .meta({ id: 'EligibilityDetermined' }),
});

export const EligibilityChanged = defineEvent({
  service: 'eligibility',
  name: 'EligibilityChanged',
  version: 1,
  published: true,
  forIntegrators: true,
  description:
    'The outcome in effect for a client and service type changed (by re-evaluation, override or ' +
    'appeal): placement acts on a lapse.',
  schema: z
    .object({
      ...subject,
      determinationId: DeterminationId,
      from: Outcome.nullable().meta({ description: 'null for the first determination' }),
      to: Outcome,
      on: CalendarDate,
      by: z.enum(['determination', 'override', 'appeal']),
    })
    .meta({ id: 'EligibilityChanged' }),
});

export const EligibilityOverridden = defineEvent({
  service: 'eligibility',
  name: 'EligibilityOverridden',
  version: 1,
  published: true,
  forIntegrators: true,
  description:
    'A supervisor set the outcome of a determination until its validity ends; the computed outcome ' +
    'stays visible. The written reason stays in eligibility.',
  schema: z
    .object({
      ...subject,
      determinationId: DeterminationId,
      overrideId: z.uuid(),
      outcome: Outcome,
      until: CalendarDate,
      on: CalendarDate,
    })
    .meta({ id: 'EligibilityOverridden' }),
});

export const OverrideJustified = defineEvent({
  service: 'eligibility',
  name: 'OverrideJustified',
  version: 1,
  published: false,
  description: "The supervisor's written reason and identity for an override.",
  schema: z.object({
    clientId: ClientId,
    overrideId: z.uuid(),
    reason: z.string(),
    supervisor: z.string(),
  }),
});

export const AppealLodged = defineEvent({
  service: 'eligibility',
  name: 'AppealLodged',
  version: 1,
  published: true,
  description:
    'An appeal against an ineligible outcome, lodged within the deadline counted from notification ' +
    '(14 days by default, Administrative Procedure Code).',
  schema: z
    .object({
      ...subject,
      appealId: z.uuid(),
      determinationId: DeterminationId,
      notifiedOn: CalendarDate,
      lodgedOn: CalendarDate,
      deadline: CalendarDate,
    })
    .meta({ id: 'AppealLodged' }),
});

export const AppealResolved = defineEvent({
  service: 'eligibility',
  name: 'AppealResolved',
  version: 1,
  published: true,
  description:
    'An appeal was decided: `upheld` keeps the refusal, `overturned` makes the client eligible until ' +
    'the determination’s validity ends.',
  schema: z
    .object({
      ...subject,
      appealId: z.uuid(),
      determinationId: DeterminationId,
      resolution: z.enum(['upheld', 'overturned']),
      resolvedOn: CalendarDate,
      until: CalendarDate,
    })
    .meta({ id: 'AppealResolved' }),
});

export const determinationEvents = [
  EligibilityDetermined,
  EligibilityChanged,
  EligibilityOverridden,
  OverrideJustified,
  AppealLodged,
  AppealResolved,
] as const;
