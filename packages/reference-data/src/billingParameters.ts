import { LocalDate, MunicipalityCode } from '@casework/contracts';
import { z } from 'zod';
import { parameterLookup } from './versioned.js';

export const BillingParameters = z.object({
  municipality: MunicipalityCode.nullable(),
  effectiveFrom: LocalDate,
  /** Statements are due by this day of the month after the one they state. */
  statementDueDay: z.number().int().min(1).max(28),
  /** How far back a run reassesses stated months for late corrections. */
  adjustmentLookbackMonths: z.number().int().min(1).max(120),
  /** Unpaid for more than this many months of a state-funded service: placement gets a task. */
  arrearsMonths: z.number().int().min(1).max(24),
  /** Fees collected for the state are remitted by this day of the next month. */
  remittanceDay: z.number().int().min(1).max(28),
  /** Respite care is free up to this many days a year … */
  respiteFreeDaysPerYear: z.number().int().min(0).max(366),
  /** … for a disability over this percentage with outside assistance. */
  respiteDisabilityOverPercent: z.number().min(0).max(100),
  /**
   * A report shows someone outside the municipality (a directorate analyst, an integrator) no money figure
   * of a group of fewer clients than this: a group of one would be one person's fee.
   */
  reportMinimumClients: z.number().int().min(1).max(100),
  source: z.string(),
});
export type BillingParameters = z.infer<typeof BillingParameters>;

/** Billing's figures in force in a municipality on a date (the national default unless it set its own). */
export const billingParameters = parameterLookup('billing-parameters.json', BillingParameters);
