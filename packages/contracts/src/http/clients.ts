import { z } from 'zod';
import { MunicipalityCode } from '../codes.js';
import { ClientId } from '../events/intake.js';
import { LocalDate } from '../localDate.js';
import { PersonalIdentifier } from '../personalIdentifier.js';

const Name = z.string().trim().min(1).max(100);

export const RegisterClientBody = z
  .object({
    identifier: PersonalIdentifier,
    givenName: Name,
    familyName: Name,
    municipality: MunicipalityCode,
    birthDate: LocalDate.optional().meta({ description: 'Required with an ЛНЧ; an ЕГН encodes it' }),
    sex: z
      .enum(['male', 'female'])
      .optional()
      .meta({ description: 'Optional with an ЛНЧ; an ЕГН encodes it' }),
  })
  .superRefine((b, ctx) => {
    if (b.identifier.kind === 'lnch' && !b.birthDate) {
      ctx.addIssue({
        code: 'custom',
        path: ['birthDate'],
        message: 'required when the identifier is an ЛНЧ',
      });
    }
    if (b.identifier.kind === 'egn' && (b.birthDate || b.sex)) {
      ctx.addIssue({ code: 'custom', path: ['birthDate'], message: 'taken from the ЕГН; do not send it' });
    }
  })
  .meta({
    id: 'RegisterClient',
    example: {
      identifier: { kind: 'egn', value: '8001010008' },
      givenName: 'Иван',
      familyName: 'Тестов',
      municipality: 'BLG01',
    },
  });
export type RegisterClientBody = z.infer<typeof RegisterClientBody>;

/** A client as intake shows it to staff of the owning municipality. */
export const ClientRecord = z
  .object({
    clientId: ClientId,
    identifierKind: z.enum(['egn', 'lnch']),
    givenName: z.string(),
    familyName: z.string(),
    birthDate: LocalDate,
    sex: z.enum(['male', 'female', 'unknown']),
    municipality: MunicipalityCode,
    registeredOn: LocalDate,
    version: z.number().int(),
  })
  .meta({ id: 'ClientRecord' });
export type ClientRecord = z.infer<typeof ClientRecord>;

/** What eligibility, placement and billing know of a client: no personal data. */
export const ClientDirectoryEntry = z
  .object({
    clientId: ClientId,
    birthDate: LocalDate,
    sex: z.enum(['male', 'female', 'unknown']),
    municipality: MunicipalityCode,
    registeredOn: LocalDate,
  })
  .meta({ id: 'ClientDirectoryEntry' });
export type ClientDirectoryEntry = z.infer<typeof ClientDirectoryEntry>;

export const ClientIdParams = z.object({ clientId: ClientId });
