import { z } from 'zod';
import { MunicipalityCode } from '../../codes.js';
import { defineEvent } from '../../eventCatalogue.js';
import { CalendarDate } from '../../localDate.js';
import { Money } from '../../money.js';
import { ServiceTypeCode } from '../../serviceType.js';
import { ClientId } from '../intake/clients.js';
import { PlacementId, SiteId } from '../placement/sites.js';
import { Month } from './siteCosts.js';
import { FeeBasis, TariffId } from './tariffs.js';

/** Days from `from` to `to`, both included. */
export const DayRange = z.object({ from: CalendarDate, to: CalendarDate });

export const ExemptionReason = z
  .enum(['child', 'pupil', 'care_leaver', 'no_income_no_savings', 'respite_severe_disability'])
  .meta({
    description:
      'Why the law exempts the month: a child, a pupil of 18 or over until they finish secondary school, a ' +
      'young person 18–21 who grew up in care, no income and no savings, respite within 14 days a year for ' +
      'over 90% disability with outside assistance',
  });
export const FullCostReason = z.enum(['savings', 'dwelling_disposed']);

/**
 * One stay's charge for a month, with everything that explains it: the days counted and exempted, the
 * tariff version, the incomes used (by fact id: amounts stay with billing), any exemption or full-cost
 * rule and the event it rests on, and every event the line was computed from.
 */
export const AssessmentLine = z
  .object({
    placementId: PlacementId,
    siteId: SiteId,
    serviceType: ServiceTypeCode,
    municipality: MunicipalityCode,
    daysInMonth: z.number().int().min(28).max(31),
    inService: z.number().int().min(0).max(31),
    billable: z.number().int().min(0).max(31),
    counted: z.array(DayRange).meta({ description: 'Day ranges billed' }),
    exempted: z
      .array(DayRange.extend({ absenceId: z.uuid() }))
      .meta({ description: 'Whole days of absences longer than the tariff allows, not billed' }),
    tariff: z
      .object({ tariffId: TariffId, version: z.number().int().min(1) })
      .nullable()
      .meta({ description: 'null: no tariff in force, nothing charged' }),
    fee: FeeBasis.nullable(),
    incomeFactIds: z.array(z.uuid()),
    exemption: z.object({ reason: ExemptionReason, eventId: z.uuid() }).nullable(),
    fullCost: z.object({ reason: FullCostReason, eventId: z.uuid() }).nullable(),
    fullMonth: Money.meta({ description: "The whole month's fee, capped at the place's actual cost" }),
    amount: Money,
    stateShare: Money.meta({ description: "Of the amount, the state's share under the tariff" }),
    capped: z.boolean(),
    convertedFromBgn: z
      .boolean()
      .meta({ description: 'A BGN amount was converted at 1.95583 for this line' }),
    events: z.array(z.uuid()).meta({ description: 'The events the line was computed from' }),
  })
  .meta({ id: 'AssessmentLine' });
export type AssessmentLine = z.infer<typeof AssessmentLine>;

const account = { clientId: ClientId, municipality: MunicipalityCode };

export const MonthAssessed = defineEvent({
  service: 'billing',
  name: 'MonthAssessed',
  version: 1,
  published: false,
  description:
    "A client's month in a municipality's services, assessed line by line when its statement was " +
    'issued. Later knowledge never changes it: it raises adjustments.',
  schema: z
    .object({
      ...account,
      month: Month,
      statementId: z.uuid(),
      lines: z.array(AssessmentLine),
      total: Money,
      knownThrough: z
        .number()
        .int()
        .min(0)
        .meta({ description: "The last of billing's inputs for the client that the assessment read" }),
      knownAsOf: z
        .string()
        .regex(/^\d+:\d+:(\d+(,\d+)*)?$/)
        .optional()
        .meta({
          description:
            "The snapshot (PostgreSQL `pg_snapshot`) the assessment read billing's inputs in: an input is " +
            'known to it when its transaction is visible in the snapshot. Absent from assessments made before it was kept',
        }),
      siteCostVersions: z
        .record(z.uuid(), z.number().int().min(0))
        .optional()
        .meta({
          description:
            "The version of each of the client's sites' cost settings the run knew: with `knownAsOf`, what " +
            'a later run compares to reassess only the months something changed for',
        }),
    })
    .meta({ id: 'MonthAssessed' }),
});

export const AdjustmentRaised = defineEvent({
  service: 'billing',
  name: 'AdjustmentRaised',
  version: 1,
  published: false,
  description:
    'A month already stated (or closed) was reassessed with what is known now and came out different: ' +
    'the difference goes on the next statement, pointing to the events that caused it. The stated ' +
    'month is never edited.',
  schema: z
    .object({
      ...account,
      adjustmentId: z.uuid(),
      correctsMonth: Month,
      placementId: PlacementId,
      serviceType: ServiceTypeCode,
      billed: Money.meta({ description: 'What the month had been charged for the stay so far' }),
      corrected: Money.meta({ description: 'What it comes to with everything known now' }),
      amount: Money.meta({ description: 'corrected − billed: owed (positive) or credited (negative)' }),
      stateShare: Money.optional().meta({
        description:
          "Of the amount, the difference in the state's share (absent on adjustments raised before it was kept)",
      }),
      causedBy: z.array(z.uuid()).meta({ description: 'The late events behind the difference' }),
      convertedFromBgn: z.literal(true).optional().meta({
        description:
          'A BGN amount was converted at 1.95583 for the month as billed or as corrected (absent when none was)',
      }),
    })
    .meta({ id: 'AdjustmentRaised' }),
});

export const StatementIssued = defineEvent({
  service: 'billing',
  name: 'StatementIssued',
  version: 1,
  published: true,
  description:
    "A client's statement for a month in a municipality: the month's assessment, the adjustments not " +
    'yet stated, any credit applied, the total due by `dueOn` and the payment reference to pay it with.',
  schema: z
    .object({
      ...account,
      statementId: z.uuid(),
      statementNumber: z.string().regex(/^[A-Z]{3}\d{2}-\d{6}-\d{6}$/),
      month: Month,
      issuedOn: CalendarDate,
      dueOn: CalendarDate,
      paymentReference: z.string().regex(/^RF\d{2}[A-Z0-9]{1,21}$/),
      assessed: Money,
      adjustments: z.array(z.object({ adjustmentId: z.uuid(), amount: Money })),
      creditApplied: Money,
      totalDue: Money,
      stateShare: Money.meta({ description: "Of the month's assessed fees, the part remitted to the state" }),
    })
    .meta({ id: 'StatementIssued' }),
});

const period = { municipality: MunicipalityCode, month: Month };

export const StatementNumbersAllocated = defineEvent({
  service: 'billing',
  name: 'StatementNumbersAllocated',
  version: 1,
  published: false,
  description: "A run took the next statement numbers of a municipality's month.",
  schema: z.object({ ...period, first: z.number().int().min(1), count: z.number().int().min(1) }),
});

export const PeriodClosed = defineEvent({
  service: 'billing',
  name: 'PeriodClosed',
  version: 1,
  published: true,
  description:
    "A municipality's month is closed: its statements are frozen, and what is learned about it later " +
    'comes as adjustments on the next open statement. A closed month is never reopened.',
  schema: z
    .object({ ...period, closedOn: CalendarDate, statements: z.number().int().min(0) })
    .meta({ id: 'PeriodClosed' }),
});

export const statementEvents = [
  MonthAssessed,
  AdjustmentRaised,
  StatementIssued,
  StatementNumbersAllocated,
  PeriodClosed,
] as const;
