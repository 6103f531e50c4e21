import { MunicipalityCode, OblastCode } from '@casework/contracts';
import { z } from 'zod';

export const Role = z.enum([
  'case_manager',
  'supervisor',
  'billing_officer',
  'directorate_analyst',
  'integrator',
  'admin',
]);
export type Role = z.infer<typeof Role>;

/** Who is calling, and where they may act: a municipality (municipal staff) or an oblast (directorate). */
export const Principal = z.object({
  sub: z.string().min(1),
  roles: z.array(Role).min(1),
  municipality: MunicipalityCode.optional(),
  oblast: OblastCode.optional(),
});
export type Principal = z.infer<typeof Principal>;
