import { z } from 'zod';

/** Stable codes of the service catalogue; names and funding live in reference data. */
export const ServiceTypeCode = z.enum([
  'protected_housing',
  'supervised_housing',
  'family_type_centre_children',
  'family_type_centre_adults',
  'transitional_housing',
  'social_housing',
  'social_housing_special_status',
  'day_centre_children_disabilities',
  'day_centre_adults_disabilities',
  'day_centre_elderly',
  'rehabilitation_centre',
  'home_social_patronage',
  'warm_lunch',
  'personal_assistance',
]);
export type ServiceTypeCode = z.infer<typeof ServiceTypeCode>;

export const ServiceKind = z.enum(['residential', 'residential_household', 'day', 'community']);
export type ServiceKind = z.infer<typeof ServiceKind>;
export const Funding = z.enum(['state_delegated', 'municipal', 'mixed', 'programme']);
export type Funding = z.infer<typeof Funding>;

export const ServiceType = z.object({
  code: ServiceTypeCode,
  nameBg: z.string(),
  nameEn: z.string(),
  kind: ServiceKind,
  targetGroup: z.string(),
  defaultFunding: Funding,
  referral: z.object({
    required: z.boolean(),
    issuer: z.enum(['municipality', 'directorate']).meta({ description: 'Who issues it by default' }),
  }),
});
export type ServiceType = z.infer<typeof ServiceType>;
