import { LocalDate, MunicipalityCode as MunicipalityCodeSchema } from '@casework/contracts';
import { z } from 'zod';
import { parameterLookup } from './versioned.js';

export const IntakeParameters = z.object({
  municipality: MunicipalityCodeSchema.nullable(),
  effectiveFrom: LocalDate,
  assessmentDeadlineDays: z.number().int().positive(),
  reassessmentIntervalMonths: z.number().int().positive(),
  source: z.string(),
});
export type IntakeParameters = z.infer<typeof IntakeParameters>;

/** Intake's figures in force in a municipality on a date (the national default unless it set its own). */
export const intakeParameters = parameterLookup('intake-parameters.json', IntakeParameters);
