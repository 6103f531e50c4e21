import { z } from 'zod';
import { MunicipalityCode, OblastCode } from '../codes.js';
import { DischargeReason } from '../events/placement/placements.js';
import { Instant, LocalDate } from '../localDate.js';
import { ServiceTypeCode } from '../serviceType.js';

export const Pseudonym = z
  .string()
  .regex(/^P-[A-Za-z0-9_-]{12}$/)
  .meta({
    description: 'A stable pseudonym of a client: the same person, never who they are',
    example: 'P-3kT9x0aQmZ1w',
  });

const Format = z.enum(['json', 'csv']).default('json').meta({ description: '`csv` for a spreadsheet' });

export const DirectorateOccupancyQuery = z.object({
  oblast: OblastCode,
  on: LocalDate.optional().meta({ description: 'Default today' }),
  knownAt: Instant.optional().meta({ description: 'As recorded up to this time (default now)' }),
  format: Format,
});

export const DirectorateOccupancy = z
  .object({
    oblast: OblastCode,
    on: LocalDate,
    rows: z.array(
      z.object({
        municipality: MunicipalityCode,
        serviceType: ServiceTypeCode,
        sites: z.number().int(),
        places: z.number().int(),
        occupied: z.number().int(),
        vacancies: z.number().int(),
        waiting: z.number().int().meta({ description: 'People on the waiting list on the date' }),
        medianDaysWaiting: z.number().nullable(),
        reviewsOverdue: z.number().int().meta({
          description: 'Stays in service past the end of their fixed term, their review not yet renewing it',
        }),
      }),
    ),
  })
  .meta({
    id: 'DirectorateOccupancy',
    example: {
      oblast: 'BG-01',
      on: '2026-11-23',
      rows: [
        {
          municipality: 'BLG01',
          serviceType: 'protected_housing',
          sites: 4,
          places: 32,
          occupied: 29,
          vacancies: 3,
          waiting: 6,
          medianDaysWaiting: 74,
          reviewsOverdue: 1,
        },
      ],
    },
  });

export const DirectorateFlowsQuery = z.object({
  oblast: OblastCode,
  from: LocalDate,
  to: LocalDate.meta({ description: 'Inclusive' }),
  knownAt: Instant.optional().meta({ description: 'As recorded up to this time (default now)' }),
  format: Format,
});

const Flow = z.object({
  kind: z.enum(['admission', 'transfer', 'discharge']),
  municipality: MunicipalityCode,
  fromServiceType: ServiceTypeCode.nullable().meta({ description: 'null for an admission' }),
  toServiceType: ServiceTypeCode.nullable().meta({ description: 'null for a discharge' }),
  destination: z.string().nullable().meta({ description: 'Discharges: where the person went' }),
  reason: DischargeReason.nullable(),
  count: z.number().int(),
});

export const DirectorateFlows = z
  .object({
    oblast: OblastCode,
    from: LocalDate,
    to: LocalDate,
    flows: z.array(Flow),
    movements: z
      .array(
        z.object({
          client: Pseudonym,
          on: LocalDate,
          kind: Flow.shape.kind,
          municipality: MunicipalityCode,
          fromServiceType: ServiceTypeCode.nullable(),
          toServiceType: ServiceTypeCode.nullable(),
        }),
      )
      .meta({ description: 'Each movement, with the client as a stable pseudonym' }),
  })
  .meta({
    id: 'DirectorateFlows',
    example: {
      oblast: 'BG-01',
      from: '2026-01-01',
      to: '2026-12-31',
      flows: [
        {
          kind: 'transfer',
          municipality: 'BLG01',
          fromServiceType: 'protected_housing',
          toServiceType: 'social_housing_special_status',
          destination: null,
          reason: null,
          count: 3,
        },
      ],
      movements: [
        {
          client: 'P-3kT9x0aQmZ1w',
          on: '2026-06-01',
          kind: 'transfer',
          municipality: 'BLG01',
          fromServiceType: 'protected_housing',
          toServiceType: 'social_housing_special_status',
        },
      ],
    },
  });
