import { readFileSync } from 'node:fs';
import { LocalDate, ServiceTypeCode, TariffBody } from '@casework/contracts';
import { z } from 'zod';

const DefaultTariffs = z.object({
  effectiveFrom: LocalDate,
  source: z.string(),
  tariffs: z.array(TariffBody.extend({ serviceType: ServiceTypeCode })),
});
export type DefaultTariffs = z.infer<typeof DefaultTariffs>;

/** The national default tariffs (DOMAIN §7), validated against the tariff schema. */
export const defaultTariffs: DefaultTariffs = DefaultTariffs.parse(
  JSON.parse(readFileSync(new URL('../data/billing-tariffs.json', import.meta.url), 'utf8')),
);
