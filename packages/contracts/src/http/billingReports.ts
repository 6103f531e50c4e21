import { z } from 'zod';
import { MunicipalityCode, OblastCode } from '../codes.js';
import { Month } from '../events/billing/siteCosts.js';
import { CalendarDate, LocalDate } from '../localDate.js';
import { Money } from '../money.js';
import { ServiceTypeCode } from '../serviceType.js';

// Synthetic examples: figures made up.
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' as const });

/**
 * A report's area: one municipality (a billing officer's own) or one oblast (a directorate analyst's,
 * or any for a national integrator). Exactly one of the two (checked after the caller's scope, 400).
 */
export const ReportQuery = z.object({
  month: Month,
  municipality: MunicipalityCode.optional().meta({ description: 'Either this or `oblast`' }),
  oblast: OblastCode.optional().meta({ description: 'Either this or `municipality`' }),
  format: z.enum(['json', 'csv']).default('json').meta({ description: '`csv` for a spreadsheet' }),
});

export const FeesReportQuery = ReportQuery.extend({
  asOf: LocalDate.optional().meta({
    description: 'What had been collected by the end of this day (default today)',
  }),
});

const ReportArea = z.object({ municipality: MunicipalityCode }).or(z.object({ oblast: OblastCode }));

const suppression = {
  clients: z.number().int().min(0).meta({
    description: 'Clients with a figure in the row (charged, or settled, something other than nothing)',
  }),
  suppressed: z.boolean().meta({
    description:
      'Its money figures are withheld (null): the row is about fewer clients than the smallest group a ' +
      'report shows outside the municipality, or withholding it alone would let it be worked out from the total',
  }),
};

const FeesFigures = z.object({
  ...suppression,
  assessed: Money.nullable().meta({ description: "The month's fees as assessed on its statements" }),
  adjusted: Money.nullable().meta({
    description: 'Corrections of earlier months carried on the same statements (negative: credited)',
  }),
  due: Money.nullable().meta({ description: 'assessed + adjusted: what the statements charge' }),
  collected: Money.nullable().meta({
    description:
      'Settled by payments received and credit applied by `asOf` (a statement that came out below zero ' +
      'is settled by its credit); a payment reversed by then does not count',
  }),
  uncollected: Money.nullable().meta({ description: 'due − collected' }),
  overdue: Money.nullable().meta({ description: 'Of the uncollected, what was due before `asOf`' }),
});

const exampleFees = {
  clients: 8,
  suppressed: false,
  assessed: eur(198_340),
  adjusted: eur(-7_119),
  due: eur(191_221),
  collected: eur(160_000),
  uncollected: eur(31_221),
  overdue: eur(31_221),
};

export const FeesReport = z
  .object({
    month: Month,
    area: ReportArea,
    asOf: CalendarDate,
    minimumClients: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'The smallest group shown with figures; null for the municipality itself' }),
    rows: z.array(FeesFigures.extend({ serviceType: ServiceTypeCode })),
    total: FeesFigures,
  })
  .meta({
    id: 'FeesReport',
    example: {
      month: '2027-01',
      area: { municipality: 'BLG01' },
      asOf: '2027-02-28',
      minimumClients: null,
      rows: [{ serviceType: 'protected_housing', ...exampleFees }],
      total: exampleFees,
    },
  });
export type FeesReport = z.infer<typeof FeesReport>;

const RemittanceFigures = z.object({
  ...suppression,
  collected: Money.nullable().meta({
    description: 'Fees collected in the month (payments received, credit applied, less payments reversed)',
  }),
  stateShare: Money.nullable().meta({
    description:
      "Of them, the state's share under each tariff: what is remitted (mixed services: only that part)",
  }),
  municipalShare: Money.nullable().meta({
    description: 'collected − stateShare: what the municipality keeps',
  }),
});

const exampleRemittance = {
  clients: 7,
  suppressed: false,
  collected: eur(160_000),
  stateShare: eur(160_000),
  municipalShare: eur(0),
};

export const RemittanceReport = z
  .object({
    month: Month.meta({ description: 'The month the fees were collected in' }),
    area: ReportArea,
    remitBy: CalendarDate.meta({
      description: "The remittance day of the next month (the municipality's own)",
    }),
    minimumClients: z.number().int().nullable(),
    rows: z.array(RemittanceFigures.extend({ serviceType: ServiceTypeCode })),
    total: RemittanceFigures,
  })
  .meta({
    id: 'RemittanceReport',
    example: {
      month: '2027-02',
      area: { municipality: 'BLG01' },
      remitBy: '2027-03-25',
      minimumClients: null,
      rows: [{ serviceType: 'protected_housing', ...exampleRemittance }],
      total: exampleRemittance,
    },
  });
export type RemittanceReport = z.infer<typeof RemittanceReport>;

export const PlaceDaysReport = z
  .object({
    month: Month,
    area: ReportArea,
    rows: z.array(
      z.object({
        serviceType: ServiceTypeCode,
        sites: z
          .number()
          .int()
          .min(0)
          .meta({ description: 'State-delegated or mixed sites open in the month' }),
        places: z.number().int().min(0).meta({ description: 'Their capacity on the last day of the month' }),
        capacityPlaceDays: z
          .number()
          .int()
          .min(0)
          .meta({ description: 'Σ places over the days each was open' }),
        usedPlaceDays: z.number().int().min(0).meta({
          description: 'Days in service (the admission day counts, the day of leaving does not)',
        }),
        occupancyPercent: z.number().nullable().meta({ description: 'used ÷ capacity, to two decimals' }),
        standardPerPlace: Money.nullable().meta({
          description:
            'The yearly standard per place for the year (null: none set), in the currency it was set in',
        }),
        fundingFigure: Money.nullable().meta({
          description: 'places × standardPerPlace: the yearly delegated funding',
        }),
      }),
    ),
  })
  .meta({
    id: 'PlaceDaysReport',
    example: {
      month: '2027-01',
      area: { oblast: 'BG-01' },
      rows: [
        {
          serviceType: 'protected_housing',
          sites: 2,
          places: 16,
          capacityPlaceDays: 496,
          usedPlaceDays: 431,
          occupancyPercent: 86.9,
          standardPerPlace: eur(810_000),
          fundingFigure: eur(12_960_000),
        },
      ],
    },
  });
export type PlaceDaysReport = z.infer<typeof PlaceDaysReport>;
