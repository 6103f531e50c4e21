import { z } from 'zod';
import { Money } from '../money.js';
import { ServiceTypeCode } from '../serviceType.js';

/**
 * The criteria a rule set may combine, each with parameters validated here: rule sets are data, and a
 * municipality's version differs from the national one only in which criteria it lists and with which
 * figures, never in code.
 */
const age = z
  .object({
    kind: z.literal('age'),
    min: z.number().int().min(0).max(130).optional().meta({ description: 'At least this many years' }),
    below: z.number().int().min(1).max(130).optional().meta({ description: 'Younger than this' }),
  })
  .refine((c) => c.min !== undefined || c.below !== undefined, { message: 'give min, below or both' })
  .refine((c) => c.min === undefined || c.below === undefined || c.min < c.below, {
    path: ['below'],
    message: 'must be above min',
  });

const disabilityDegree = z.object({
  kind: z.literal('disability_degree'),
  minPercent: z.number().min(0).max(100),
  outsideAssistance: z
    .boolean()
    .optional()
    .meta({ description: 'When true, the decision must also find that outside assistance is needed' }),
});

const disabilityAssessed = z.object({ kind: z.literal('disability_assessed') });

const residence = z.object({
  kind: z.literal('residence'),
  address: z.enum(['permanent', 'current']),
  minYears: z
    .number()
    .min(0)
    .max(50)
    .meta({ description: 'Continuously in the municipality of the determination for this long' }),
});

const incomePerMember = z.object({
  kind: z.literal('household_income_per_member'),
  ceiling: Money.refine((m) => m.currency === 'EUR' && m.amountMinor >= 0, {
    message: 'a non-negative amount in EUR',
  }).meta({ description: 'Monthly income per household member, at most' }),
});

const noDwelling = z.object({ kind: z.literal('no_dwelling_owned') });

const needsAssessment = z.object({
  kind: z.literal('needs_assessment'),
  maxAgeMonths: z.number().int().min(1).max(60),
  recommends: z
    .array(ServiceTypeCode)
    .optional()
    .meta({ description: 'The assessment must recommend one of these (any recommendation when absent)' }),
});

const referral = z.object({ kind: z.literal('referral') });

const placementHistory = z.object({
  kind: z.literal('placement_history'),
  serviceTypes: z.array(ServiceTypeCode).min(1),
  dischargedWithinDays: z.number().int().min(0).meta({
    description: 'Placed in one of the service types, or discharged from one at most this long ago',
  }),
});

export const SimpleCriterion = z.discriminatedUnion('kind', [
  age,
  disabilityDegree,
  disabilityAssessed,
  residence,
  incomePerMember,
  noDwelling,
  needsAssessment,
  referral,
  placementHistory,
]);
export type SimpleCriterion = z.infer<typeof SimpleCriterion>;

/** One criterion, or a choice between several ("disability ≥ 50 % or an assessment recommending…"). */
export const Criterion = z.union([
  SimpleCriterion,
  z.object({ kind: z.literal('any_of'), criteria: z.array(SimpleCriterion).min(2) }),
]);
export type Criterion = z.infer<typeof Criterion>;
export type CriterionKind = Criterion['kind'];

/** The facts a criterion may rest on (and may find missing). */
export const EligibilityFactKind = z.enum([
  'birth_date',
  'disability',
  'residence',
  'income',
  'household',
  'dwelling_ownership',
  'needs_assessment',
  'referral',
  'placement',
  'death',
]);
export type EligibilityFactKind = z.infer<typeof EligibilityFactKind>;

export const CriterionResult = z.enum(['met', 'not_met', 'unknown']);
export const Outcome = z.enum(['eligible', 'ineligible', 'incomplete']);
export type Outcome = z.infer<typeof Outcome>;

/** A fact a determination used, traced to the event it came from. */
export const FactUsed = z.object({ kind: EligibilityFactKind, eventId: z.uuid() });

export const CriterionOutcome = z.object({
  kind: z.string().meta({ description: 'The criterion kind (or the implicit `alive`)' }),
  result: CriterionResult,
  reason: z.string().meta({ description: 'Why, in words a case manager can read out' }),
  facts: z.array(FactUsed),
  missing: z.array(EligibilityFactKind),
});
export type CriterionOutcome = z.infer<typeof CriterionOutcome>;
