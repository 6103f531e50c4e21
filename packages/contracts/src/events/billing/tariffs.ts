import { z } from 'zod';
import { MunicipalityCode } from '../../codes.js';
import { defineEvent } from '../../eventCatalogue.js';
import { CalendarDate } from '../../localDate.js';
import { Money } from '../../money.js';
import { ClientGroup } from '../intake/facts.js';

/** A tariff's amount: never negative (a fee below zero would be credit nobody decided). */
const Amount = Money.refine((m) => m.amountMinor >= 0, { message: 'must not be negative' });

import { ServiceTypeCode } from '../../serviceType.js';

/** `<serviceType>:<municipality>` or `<serviceType>:national`: one tariff per service type and scope. */
export const TariffId = z
  .string()
  .regex(/^[a-z_]+:(national|[A-Z]{3}\d{2})$/, 'expected <serviceType>:<municipality code or national>')
  .meta({ example: 'protected_housing:national' });
export type TariffId = z.infer<typeof TariffId>;

export const tariffIdOf = (serviceType: string, municipality: string | null) =>
  `${serviceType}:${municipality ?? 'national'}`;

/** How a tariff sets a whole month's fee before the days in service are counted. */
export const FeeBasis = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('income_share'),
      basisPoints: z.number().int().min(0).max(10_000).meta({ description: '70% = 7000' }),
    }),
    z.object({ kind: z.literal('fixed_monthly'), amount: Amount }),
    z.object({
      kind: z.literal('per_square_metre'),
      ratePerSquareMetre: Amount.meta({ description: "A month's rent per m² of the dwelling's floor area" }),
    }),
    z.object({ kind: z.literal('daily'), amount: Amount }),
  ])
  .meta({ id: 'FeeBasis' });
export type FeeBasis = z.infer<typeof FeeBasis>;

/** What one version of a tariff says. */
export const TariffBody = z
  .object({
    fee: FeeBasis,
    groupFees: z
      .array(z.object({ group: ClientGroup, fee: FeeBasis }))
      .max(5)
      .meta({ description: 'Fees for client groups that pay differently; the first that applies wins' }),
    absenceExemptAfterDays: z
      .number()
      .int()
      .min(0)
      .max(366)
      .nullable()
      .meta({
        description:
          'An absence longer than this many consecutive days exempts all its days; null: absences never ' +
          'reduce the fee (a rent)',
      }),
    fullCostRule: z
      .object({
        savingsOver: Money,
        dwellingDisposedWithinYears: z.number().int().min(0).max(20),
      })
      .nullable()
      .meta({
        description:
          'The full actual cost instead of the fee when savings exceed the amount or a dwelling was sold or ' +
          'given away within the years; null when the tariff has no such rule',
      }),
    stateShareBasisPoints: z.number().int().min(0).max(10_000).meta({
      description: "The state's share of the fees collected, remitted by the 25th (10000 = all of it)",
    }),
  })
  .meta({ id: 'TariffBody' });
export type TariffBody = z.infer<typeof TariffBody>;

const scope = {
  tariffId: TariffId,
  version: z.number().int().min(1),
  serviceType: ServiceTypeCode,
  municipality: MunicipalityCode.nullable().meta({ description: 'null for the national tariff' }),
};

export const TariffDrafted = defineEvent({
  service: 'billing',
  name: 'TariffDrafted',
  version: 1,
  published: false,
  description: 'A new version of a tariff was drafted; it charges nothing until published.',
  schema: z.object({ ...scope, ...TariffBody.shape }),
});

export const TariffPublished = defineEvent({
  service: 'billing',
  name: 'TariffPublished',
  version: 1,
  published: true,
  forIntegrators: true,
  description:
    'A tariff version charges from `effectiveFrom` for its service type, in its municipality or ' +
    'nationally. Months already assessed keep the version they were assessed under.',
  schema: z
    .object({ ...scope, ...TariffBody.shape, effectiveFrom: CalendarDate })
    .meta({ id: 'TariffPublished' }),
});

export const TariffRetired = defineEvent({
  service: 'billing',
  name: 'TariffRetired',
  version: 1,
  published: true,
  forIntegrators: true,
  description:
    'A published tariff version stops charging from `retiredFrom`; the version before it (or the ' +
    'national tariff) applies again.',
  schema: z.object({ ...scope, retiredFrom: CalendarDate }).meta({ id: 'TariffRetired' }),
});

export const tariffEvents = [TariffDrafted, TariffPublished, TariffRetired] as const;
