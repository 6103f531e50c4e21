import { z } from 'zod';
import { MunicipalityCode } from '../../codes.js';
import { Criterion } from '../../eligibility/criteria.js';
import { defineEvent } from '../../eventCatalogue.js';
import { CalendarDate } from '../../localDate.js';
import { ServiceTypeCode } from '../../serviceType.js';

/** `<serviceType>:<municipality>` or `<serviceType>:national`: one rule set per service type and scope. */
export const RuleSetId = z
  .string()
  .regex(/^[a-z_]+:(national|[A-Z]{3}\d{2})$/, 'expected <serviceType>:<municipality code or national>')
  .meta({ example: 'protected_housing:national' });
export type RuleSetId = z.infer<typeof RuleSetId>;

export const ruleSetIdOf = (serviceType: string, municipality: string | null) =>
  `${serviceType}:${municipality ?? 'national'}`;

/** What a version says: its criteria and how long a determination under it holds at most. */
export const RuleSetBody = z.object({
  criteria: z.array(Criterion).min(1),
  validityMonths: z.number().int().min(1).max(60),
});

const scope = {
  ruleSetId: RuleSetId,
  version: z.number().int().min(1),
  serviceType: ServiceTypeCode,
  municipality: MunicipalityCode.nullable().meta({ description: 'null for the national default' }),
};

export const RuleSetDrafted = defineEvent({
  service: 'eligibility',
  name: 'RuleSetDrafted',
  version: 1,
  published: false,
  description: 'A new version of a rule set was drafted; it decides nothing until published.',
  schema: z.object({ ...scope, ...RuleSetBody.shape }),
});

export const RuleSetPublished = defineEvent({
  service: 'eligibility',
  name: 'RuleSetPublished',
  version: 1,
  published: true,
  forIntegrators: true,
  description:
    'A rule-set version takes effect on `effectiveFrom` for its service type, in its municipality or ' +
    'nationally. Past determinations keep the version they were made under; current ones are ' +
    're-evaluated when it takes effect, and a new determination is recorded (with `EligibilityChanged` ' +
    'when the outcome changes) only where the version answers differently; the others stand.',
  schema: z
    .object({ ...scope, ...RuleSetBody.shape, effectiveFrom: CalendarDate })
    .meta({ id: 'RuleSetPublished' }),
});

export const RuleSetRetired = defineEvent({
  service: 'eligibility',
  name: 'RuleSetRetired',
  version: 1,
  published: true,
  forIntegrators: true,
  description:
    'A published version stops applying from `retiredFrom`; the version before it (or the national ' +
    'default) applies again.',
  schema: z.object({ ...scope, retiredFrom: CalendarDate }).meta({ id: 'RuleSetRetired' }),
});

export const ruleSetEvents = [RuleSetDrafted, RuleSetPublished, RuleSetRetired] as const;
