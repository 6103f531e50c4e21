import { z } from 'zod';
import { parseEgn } from './egn.js';
import { parseLnch } from './lnch.js';
import { EARLIEST_DATE, sofiaDate } from './localDate.js';

const EGN_MESSAGES = {
  format: 'an ЕГН has exactly 10 digits',
  date: 'the ЕГН encodes an impossible birth date',
  checksum: 'the ЕГН check digit does not match',
  future: 'the ЕГН encodes a birth date in the future',
} as const;

/**
 * The personal identifier as submitted to intake. It never leaves intake: events carry `clientId`.
 * Validation uses today's date in Sofia to refuse future births, so it belongs at the HTTP edge.
 */
export const PersonalIdentifier = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('egn'), value: z.string() }),
    z.object({ kind: z.literal('lnch'), value: z.string() }),
  ])
  .superRefine((id, ctx) => {
    if (id.kind === 'egn') {
      const r = parseEgn(id.value, sofiaDate(new Date()));
      if (!r.ok) ctx.addIssue({ code: 'custom', path: ['value'], message: EGN_MESSAGES[r.problem] });
      // dates the API handles start in 1900 (LocalDate): nobody born earlier is a client
      else if (r.facts.birthDate < EARLIEST_DATE)
        ctx.addIssue({
          code: 'custom',
          path: ['value'],
          message: 'the ЕГН encodes a birth date before 1900',
        });
    } else {
      const r = parseLnch(id.value);
      if (!r.ok)
        ctx.addIssue({
          code: 'custom',
          path: ['value'],
          message:
            r.problem === 'format' ? 'an ЛНЧ has exactly 10 digits' : 'the ЛНЧ check digit does not match',
        });
    }
  })
  .meta({ description: 'ЕГН (citizen) or ЛНЧ (foreigner)', example: { kind: 'egn', value: '8001010008' } });
export type PersonalIdentifier = z.infer<typeof PersonalIdentifier>;
