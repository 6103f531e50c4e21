import { readFileSync } from 'node:fs';
import {
  LocalDate,
  MunicipalityCode as MunicipalityCodeSchema,
  RuleSetBody,
  ServiceTypeCode,
} from '@casework/contracts';
import { z } from 'zod';
import { parameterLookup } from './versioned.js';

const read = (file: string) => JSON.parse(readFileSync(new URL(`../data/${file}`, import.meta.url), 'utf8'));

const DefaultRuleSets = z.object({
  effectiveFrom: LocalDate,
  source: z.string(),
  ruleSets: z.array(RuleSetBody.extend({ serviceType: ServiceTypeCode })),
});
export type DefaultRuleSets = z.infer<typeof DefaultRuleSets>;

/** The national default rule sets (DOMAIN §5), validated against the criteria schemas. */
export const defaultRuleSets: DefaultRuleSets = DefaultRuleSets.parse(read('eligibility-rule-sets.json'));

export const EligibilityParameters = z.object({
  municipality: MunicipalityCodeSchema.nullable(),
  effectiveFrom: LocalDate,
  appealDeadlineDays: z.number().int().positive(),
  source: z.string(),
});
export type EligibilityParameters = z.infer<typeof EligibilityParameters>;

/** Eligibility's figures in force in a municipality on a date. */
export const eligibilityParameters = parameterLookup('eligibility-parameters.json', EligibilityParameters);
