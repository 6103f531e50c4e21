import { readFileSync } from 'node:fs';
import { Money, ServiceTypeCode } from '@casework/contracts';
import { z } from 'zod';

export const FundingStandard = z.object({
  serviceType: ServiceTypeCode,
  year: z.number().int().min(2000).max(2100),
  perPlace: Money.meta({ description: 'The yearly standard per place, in the currency it was set in' }),
});
export type FundingStandard = z.infer<typeof FundingStandard>;

const file = z
  .object({ source: z.string(), standards: z.array(FundingStandard) })
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    for (const s of f.standards) {
      const key = `${s.serviceType} ${s.year}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', message: `two standards for ${key}` });
      seen.add(key);
    }
  })
  .parse(JSON.parse(readFileSync(new URL('../data/funding-standards.json', import.meta.url), 'utf8')));

const byKey = new Map(file.standards.map((s) => [`${s.serviceType} ${s.year}`, s]));

export const fundingStandardsSource = file.source;

/** The yearly standard per place of a state-delegated service type, or undefined when none is set for the year. */
export const fundingStandard = (serviceType: ServiceTypeCode, year: number): FundingStandard | undefined =>
  byKey.get(`${serviceType} ${year}`);
