import { readFileSync } from 'node:fs';
import {
  LocalDate,
  type MunicipalityCode,
  MunicipalityCode as MunicipalityCodeSchema,
} from '@casework/contracts';
import { z } from 'zod';
import { versionInForce } from './versioned.js';

export const IntakeParameters = z.object({
  municipality: MunicipalityCodeSchema.nullable(),
  effectiveFrom: LocalDate,
  assessmentDeadlineDays: z.number().int().positive(),
  reassessmentIntervalMonths: z.number().int().positive(),
  source: z.string(),
});
export type IntakeParameters = z.infer<typeof IntakeParameters>;

const versions = z
  .object({ versions: z.array(IntakeParameters).min(1) })
  .parse(
    JSON.parse(readFileSync(new URL('../data/intake-parameters.json', import.meta.url), 'utf8')),
  ).versions;

/** Intake's figures in force in a municipality on a date (the national default unless it set its own). */
export function intakeParameters(municipality: MunicipalityCode, on: LocalDate): IntakeParameters {
  const v = versionInForce(versions, municipality, on);
  if (!v) throw new Error(`no intake parameters in force on ${on}`);
  return v;
}
