import { z } from 'zod';
import { MunicipalityCode } from '../codes.js';
import { Month, SiteStateShare } from '../events/billing/siteCosts.js';
import { AssessmentLine } from '../events/billing/statements.js';
import { TariffBody, TariffId } from '../events/billing/tariffs.js';
import { ClientId } from '../events/intake/clients.js';
import { SiteId } from '../events/placement/sites.js';
import { CalendarDate, LocalDate } from '../localDate.js';
import { Money } from '../money.js';
import { ServiceTypeCode } from '../serviceType.js';
import {
  exampleAssessmentLine,
  examplePeriod,
  exampleSiteCost,
  exampleStatementSummary,
  exampleTariffBody,
  exampleTariffVersion,
} from './billingExamples.js';
import { PageLimit } from './paging.js';

const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' as const });

export const TariffParams = z.object({ tariffId: TariffId });
export const TariffVersionParams = z.object({ tariffId: TariffId, version: z.coerce.number().int().min(1) });

export const DraftTariffBody = TariffBody.meta({ id: 'DraftTariffVersion', example: exampleTariffBody });
export const PublishTariffBody = z
  .object({ effectiveFrom: LocalDate })
  .meta({ id: 'PublishTariffVersion', example: { effectiveFrom: '2027-01-01' } });
export const RetireTariffBody = z
  .object({ retiredFrom: LocalDate })
  .meta({ id: 'RetireTariffVersion', example: { retiredFrom: '2027-07-01' } });

export const TariffRecord = z
  .object({
    tariffId: TariffId,
    serviceType: ServiceTypeCode,
    municipality: MunicipalityCode.nullable(),
    versions: z.array(
      z.object({
        version: z.number().int(),
        status: z.enum(['draft', 'published', 'retired']),
        ...TariffBody.shape,
        effectiveFrom: LocalDate.optional(),
        retiredFrom: LocalDate.optional(),
      }),
    ),
    inForce: z.object({ tariffId: TariffId, version: z.number().int() }).nullable().meta({
      description:
        "The version in force on the day asked (`on`, today by default): the municipality's own, else the national one; null if none",
    }),
    version: z.number().int().meta({ description: 'Stream version, the ETag' }),
  })
  .meta({
    id: 'TariffRecord',
    example: {
      tariffId: 'protected_housing:national',
      serviceType: 'protected_housing',
      municipality: null,
      versions: [exampleTariffVersion],
      inForce: { tariffId: 'protected_housing:national', version: 1 },
      version: 2,
    },
  });
export const TariffQuery = z.object({
  on: LocalDate.optional().meta({
    description: 'The day whose version in force is named (today by default)',
  }),
});
export const TariffsQuery = z.object({
  serviceType: ServiceTypeCode.optional(),
  municipality: MunicipalityCode.optional().meta({
    description: "A municipality's own tariffs beside the national ones",
  }),
});
export const TariffList = z
  .object({ items: z.array(TariffRecord.omit({ version: true, inForce: true })) })
  .meta({
    id: 'TariffList',
    example: {
      items: [
        {
          tariffId: 'protected_housing:national',
          serviceType: 'protected_housing',
          municipality: null,
          versions: [exampleTariffVersion],
        },
      ],
    },
  });

export const SiteCostsParams = z.object({ siteId: SiteId });
export const SiteCostParams = z.object({ siteId: SiteId, month: Month });
export const SiteCostBody = z
  .object({
    monthlyCost: Money.refine((m) => m.amountMinor > 0, { message: 'must be more than zero' }),
    floorAreaSquareMetres: z.number().multipleOf(0.01).positive().max(10_000).optional(),
    stateShareBasisPoints: SiteStateShare.optional(),
  })
  .meta({ id: 'SiteCostBody', example: { monthlyCost: eur(150_000) } });
export const SiteCostRecord = z
  .object({
    siteId: SiteId,
    municipality: MunicipalityCode,
    serviceType: ServiceTypeCode,
    settings: z.array(
      z.object({
        from: Month,
        monthlyCost: Money,
        floorAreaSquareMetres: z.number().optional(),
        stateShareBasisPoints: SiteStateShare.optional(),
      }),
    ),
    version: z.number().int(),
  })
  .meta({ id: 'SiteCostRecord', example: exampleSiteCost });

export const PeriodParams = z.object({ municipality: MunicipalityCode, month: Month });
export const RunResult = z
  .object({
    municipality: MunicipalityCode,
    month: Month,
    statements: z.number().int().meta({ description: 'Statements issued by this run' }),
    adjustments: z.number().int().meta({ description: 'Adjustments of earlier months they carry' }),
    assessed: Money,
    totalDue: Money,
  })
  .meta({
    id: 'StatementRun',
    example: {
      municipality: 'BLG01',
      month: '2027-01',
      statements: 42,
      adjustments: 1,
      assessed: eur(1_234_500),
      totalDue: eur(1_230_000),
    },
  });
export const StatementRunParams = z.object({ runId: z.uuid() });
export const StatementRunStatus = z.enum(['queued', 'running', 'done', 'failed']);
export const StatementRunRecord = z
  .object({
    runId: z.uuid(),
    municipality: MunicipalityCode,
    month: Month,
    status: StatementRunStatus,
    requestedOn: CalendarDate.meta({
      description: 'The day the run was asked for: its statements are issued on it',
    }),
    clients: z.number().int().optional().meta({ description: 'Clients the run takes, once it has started' }),
    done: z
      .number()
      .int()
      .optional()
      .meta({ description: 'Of them, those stated or found with nothing to state' }),
    result: RunResult.optional().meta({ description: 'What the run issued, once done' }),
    problem: z.object({ code: z.string(), detail: z.string() }).optional().meta({
      description: 'Why the run failed (a run that fails for a passing cause is tried again first)',
    }),
  })
  .meta({
    id: 'StatementRunRecord',
    example: {
      runId: '0190a3c2-6a2b-7c3d-8e4f-1a2b3c4d5e70',
      municipality: 'BLG01',
      month: '2027-01',
      status: 'running',
      requestedOn: '2027-02-03',
      clients: 4_200,
      done: 1_400,
    },
  });
export const PeriodRecord = z
  .object({
    municipality: MunicipalityCode,
    month: Month,
    statements: z.number().int(),
    status: z.enum(['open', 'closed']),
    closedOn: CalendarDate.optional(),
    totalDue: Money,
  })
  .meta({ id: 'BillingPeriod', example: examplePeriod });

export const StatementParams = z.object({ statementId: z.uuid() });
export const StatementsQuery = z.object({
  municipality: MunicipalityCode.optional(),
  month: Month.optional(),
  clientId: ClientId.optional(),
  limit: PageLimit,
  cursor: z.string().optional(),
});
export const StatementSummary = z.object({
  statementId: z.uuid(),
  statementNumber: z.string(),
  clientId: ClientId,
  municipality: MunicipalityCode,
  month: Month,
  issuedOn: CalendarDate,
  dueOn: CalendarDate,
  paymentReference: z.string(),
  assessed: Money,
  adjusted: Money.meta({ description: 'The sum of the adjustments of earlier months on this statement' }),
  creditApplied: Money,
  totalDue: Money,
  outstanding: Money.meta({ description: 'What is still owed on it after the payments recorded' }),
});
export const StatementPage = z
  .object({ items: z.array(StatementSummary), next: z.string().optional() })
  .meta({ id: 'StatementPage', example: { items: [exampleStatementSummary] } });
export const StatementAdjustmentView = z.object({
  adjustmentId: z.uuid(),
  correctsMonth: Month,
  placementId: z.uuid(),
  serviceType: ServiceTypeCode,
  billed: Money,
  corrected: Money,
  amount: Money,
  stateShare: Money.meta({
    description:
      "Of the amount, the state's share; a change of the state's part alone adjusts it with an amount of 0",
  }),
  causedBy: z.array(z.uuid()).meta({ description: 'The late events behind the difference' }),
  convertedFromBgn: z
    .boolean()
    .meta({ description: 'A BGN amount was converted at 1.95583 for the month as billed or as corrected' }),
});
export const StatementRecord = StatementSummary.extend({
  lines: z.array(AssessmentLine),
  adjustments: z.array(StatementAdjustmentView),
}).meta({
  id: 'StatementRecord',
  example: { ...exampleStatementSummary, lines: [exampleAssessmentLine], adjustments: [] },
});
