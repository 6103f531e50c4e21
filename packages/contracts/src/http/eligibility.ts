import { z } from 'zod';
import { MunicipalityCode } from '../codes.js';
import { CriterionOutcome, Outcome } from '../eligibility/criteria.js';
import { EligibilityDetermined } from '../events/eligibility/determinations.js';
import { RuleSetBody, RuleSetId } from '../events/eligibility/ruleSets.js';
import { ApplicationId } from '../events/intake/applications.js';
import { ClientId } from '../events/intake/clients.js';
import { CalendarDate, LocalDate } from '../localDate.js';
import { ServiceTypeCode } from '../serviceType.js';
import {
  exampleCriteria,
  exampleDetermination,
  exampleRuleSetRecord,
  exampleServiceEligibility,
} from './eligibilityExamples.js';

export const RuleSetParams = z.object({ ruleSetId: RuleSetId });
export const RuleSetVersionParams = z.object({
  ruleSetId: RuleSetId,
  version: z.coerce.number().int().min(1),
});

export const DraftRuleSetBody = RuleSetBody.meta({
  id: 'DraftRuleSetVersion',
  example: { criteria: exampleCriteria, validityMonths: 12 },
});
export const PublishRuleSetBody = z
  .object({ effectiveFrom: LocalDate })
  .meta({ id: 'PublishRuleSetVersion', example: { effectiveFrom: '2027-01-01' } });
export const RetireRuleSetBody = z
  .object({ retiredFrom: LocalDate })
  .meta({ id: 'RetireRuleSetVersion', example: { retiredFrom: '2027-07-01' } });

const RuleSetVersion = z.object({
  version: z.number().int(),
  status: z.enum(['draft', 'published', 'retired']),
  ...RuleSetBody.shape,
  effectiveFrom: LocalDate.optional(),
  retiredFrom: LocalDate.optional(),
});

export const RuleSetRecord = z
  .object({
    ruleSetId: RuleSetId,
    serviceType: ServiceTypeCode,
    municipality: MunicipalityCode.nullable(),
    versions: z.array(RuleSetVersion),
    inForce: z
      .object({ ruleSetId: RuleSetId, version: z.number().int() })
      .optional()
      .meta({ description: 'What applies today in this scope (the national default when nothing local)' }),
    version: z.number().int().meta({ description: 'The stream version (ETag)' }),
  })
  .meta({ id: 'RuleSetRecord', example: exampleRuleSetRecord });

export const RuleSetsQuery = z.object({
  serviceType: ServiceTypeCode.optional(),
  municipality: MunicipalityCode.optional(),
});
export const RuleSetList = z
  .object({
    items: z.array(
      z.object({
        ruleSetId: RuleSetId,
        serviceType: ServiceTypeCode,
        municipality: MunicipalityCode.nullable(),
        versions: z.array(
          RuleSetVersion.pick({ version: true, status: true, effectiveFrom: true, retiredFrom: true }),
        ),
      }),
    ),
  })
  .meta({
    id: 'RuleSetList',
    example: {
      items: [
        {
          ruleSetId: 'protected_housing:national',
          serviceType: 'protected_housing',
          municipality: null,
          versions: [{ version: 1, status: 'published', effectiveFrom: '2020-07-01' }],
        },
      ],
    },
  });

export const WhatIfBody = z
  .object({
    asOf: LocalDate.optional().meta({ description: 'Default: today in Sofia' }),
    limit: z.number().int().min(0).max(1000).default(100).meta({ description: 'Changes listed, at most' }),
  })
  .meta({ id: 'WhatIf', example: { asOf: '2027-01-01', limit: 100 } });

export const WhatIfResult = z
  .object({
    ruleSetId: RuleSetId,
    version: z.number().int(),
    asOf: LocalDate,
    evaluated: z.number().int().meta({ description: 'Current determinations the rule set covers' }),
    gained: z.number().int().meta({ description: 'Not eligible now, eligible under the draft' }),
    lost: z.number().int().meta({ description: 'Eligible now, not eligible under the draft' }),
    otherwiseChanged: z.number().int().meta({ description: 'Between ineligible and incomplete' }),
    unchanged: z.number().int(),
    changes: z.array(
      z.object({
        clientId: ClientId,
        municipality: MunicipalityCode,
        from: Outcome,
        to: Outcome,
        reasons: z.array(CriterionOutcome).meta({ description: 'The draft’s criteria for this client' }),
      }),
    ),
    truncated: z.boolean().meta({ description: 'More changes than `limit`' }),
  })
  .meta({
    id: 'WhatIfResult',
    example: {
      ruleSetId: 'social_housing:national',
      version: 2,
      asOf: '2027-01-01',
      evaluated: 1200,
      gained: 0,
      lost: 1,
      otherwiseChanged: 0,
      unchanged: 1199,
      changes: [
        {
          clientId: '01900000-0000-7000-8000-000000000001',
          municipality: 'BLG01',
          from: 'eligible',
          to: 'ineligible',
          reasons: [
            {
              kind: 'household_income_per_member',
              result: 'not_met',
              reason:
                'household income €700.00 a month for 2 people: €350.00 each, above the ceiling of €300.00',
              facts: [{ kind: 'income', eventId: '01900000-0000-7000-8000-0000000000e3' }],
              missing: [],
            },
          ],
        },
      ],
      truncated: false,
    },
  });

export const Determination = EligibilityDetermined.schema.meta({
  id: 'Determination',
  example: exampleDetermination,
});

export const DetermineBody = z
  .object({
    clientId: ClientId,
    serviceType: ServiceTypeCode,
    municipality: MunicipalityCode.optional().meta({ description: "Default: the client's municipality" }),
    applicationId: ApplicationId.optional(),
    asOf: LocalDate.optional().meta({ description: 'Default: today in Sofia' }),
  })
  .meta({
    id: 'Determine',
    example: { clientId: '01900000-0000-7000-8000-000000000001', serviceType: 'protected_housing' },
  });

const Appeal = z.object({
  appealId: z.uuid(),
  determinationId: z.uuid(),
  status: z.enum(['open', 'upheld', 'overturned']),
  deadline: CalendarDate,
});

export const ServiceEligibility = z
  .object({
    serviceType: ServiceTypeCode,
    effectiveOutcome: Outcome.meta({
      description: 'What applies: an override or appeal in force, else computed',
    }),
    decreed: z
      .object({ by: z.enum(['override', 'appeal']), outcome: Outcome, until: CalendarDate })
      .optional(),
    current: EligibilityDetermined.schema,
    appeals: z.array(Appeal),
  })
  .meta({ id: 'ServiceEligibility', example: exampleServiceEligibility });

export const ClientEligibilityView = z
  .object({ clientId: ClientId, services: z.array(ServiceEligibility), version: z.number().int() })
  .meta({
    id: 'ClientEligibility',
    example: { clientId: exampleDetermination.clientId, services: [exampleServiceEligibility], version: 2 },
  });

export const DeterminationParams = z.object({ clientId: ClientId, determinationId: z.uuid() });
export const AppealParams = z.object({ clientId: ClientId, appealId: z.uuid() });

export const OverrideBody = z.object({ outcome: Outcome, reason: z.string().trim().min(10).max(2000) }).meta({
  id: 'Override',
  example: { outcome: 'eligible', reason: 'Income exceeds the ceiling by €3 only; the family is in crisis' },
});

export const LodgeAppealBody = z
  .object({ notifiedOn: LocalDate, lodgedOn: LocalDate })
  .meta({ id: 'LodgeAppeal', example: { notifiedOn: '2026-11-24', lodgedOn: '2026-12-03' } });

export const ResolveAppealBody = z
  .object({ resolution: z.enum(['upheld', 'overturned']), resolvedOn: LocalDate })
  .meta({ id: 'ResolveAppeal', example: { resolution: 'overturned', resolvedOn: '2026-12-20' } });

export const DeterminationsQuery = z.object({
  clientId: ClientId.optional(),
  serviceType: ServiceTypeCode.optional(),
  outcome: Outcome.optional().meta({ description: 'The outcome in effect' }),
  municipality: MunicipalityCode.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().optional(),
});

export const DeterminationSummary = z.object({
  clientId: ClientId,
  serviceType: ServiceTypeCode,
  determinationId: z.uuid(),
  municipality: MunicipalityCode,
  asOf: LocalDate,
  outcome: Outcome,
  effectiveOutcome: Outcome,
  decreedBy: z.enum(['override', 'appeal']).optional(),
  validUntil: CalendarDate,
  ruleSet: z.object({ ruleSetId: RuleSetId, version: z.number().int() }),
  missing: z.array(z.string()),
});
export const DeterminationPage = z
  .object({ items: z.array(DeterminationSummary), next: z.string().optional() })
  .meta({
    id: 'DeterminationPage',
    example: {
      items: [
        {
          clientId: exampleDetermination.clientId,
          serviceType: 'protected_housing',
          determinationId: exampleDetermination.determinationId,
          municipality: 'BLG01',
          asOf: '2026-11-23',
          outcome: 'incomplete',
          effectiveOutcome: 'incomplete',
          validUntil: '2027-11-22',
          ruleSet: { ruleSetId: 'protected_housing:national', version: 1 },
          missing: ['referral'],
        },
      ],
    },
  });

export const ReevaluationJobs = z
  .object({
    items: z.array(
      z.object({
        jobId: z.string(),
        serviceType: ServiceTypeCode,
        municipality: MunicipalityCode.nullable(),
        reason: z.enum(['rule_set_published', 'rule_set_retired']),
        dueOn: LocalDate,
        evaluated: z.number().int().meta({ description: 'Determinations evaluated under the new rules' }),
        recorded: z
          .number()
          .int()
          .meta({
            description:
              'New determinations recorded: where the new rules answer differently (another outcome, a ' +
              'criterion with another result, other facts or missing facts, an earlier end); the rest stand',
          }),
        changed: z
          .number()
          .int()
          .meta({ description: 'Of those recorded, how many changed the outcome in effect' }),
        status: z.enum(['scheduled', 'running', 'finished']),
      }),
    ),
  })
  .meta({
    id: 'ReevaluationJobs',
    example: {
      items: [
        {
          jobId: 'social_housing:national@2:published',
          serviceType: 'social_housing',
          municipality: null,
          reason: 'rule_set_published',
          dueOn: '2027-01-01',
          evaluated: 0,
          recorded: 0,
          changed: 0,
          status: 'scheduled',
        },
      ],
    },
  });
