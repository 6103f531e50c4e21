import {
  HousingConditions,
  LocalDate,
  MunicipalityCode as MunicipalityCodeSchema,
  ServiceTypeCode,
} from '@casework/contracts';
import { z } from 'zod';
import { parameterLookup } from './versioned.js';

const days = z.number().int().positive();

export const PlacementParameters = z.object({
  municipality: MunicipalityCodeSchema.nullable(),
  effectiveFrom: LocalDate,
  offerExpiryWorkingDays: days,
  declinesBeforeDemotion: days,
  admissionWithinDays: days,
  absenceDaysPerYear: days,
  respiteDaysPerYear: days,
  specialStatusTenancyMonths: days,
  specialStatusRenewals: z.number().int().min(0),
  residentialTermMonths: days,
  socialHousingPoints: z.object({
    perHouseholdMember: z.number().int().min(0),
    perMemberWithDisability: z.number().int().min(0),
    lowIncome: z.object({ ceilingMinor: z.number().int().min(0), points: z.number().int().min(0) }),
    perYearOnList: z.number().int().min(0),
    housingConditions: z.record(HousingConditions, z.number().int().min(0)),
  }),
  smallUnitMaxPlaces: z.partialRecord(ServiceTypeCode, days),
  source: z.string(),
});
export type PlacementParameters = z.infer<typeof PlacementParameters>;

/** Placement's figures in force in a municipality on a date (the national default unless it set its own). */
export const placementParameters = parameterLookup('placement-parameters.json', PlacementParameters);
