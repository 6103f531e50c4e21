import { z } from 'zod';
import { MunicipalityCode } from '../codes.js';
import { AddressKind, ClientId, IdentifierKind, RecordedSex, Relation } from '../events/intake/clients.js';
import { LocalDate } from '../localDate.js';
import { PersonalIdentifier } from '../personalIdentifier.js';
import { exampleClientRecord, exampleClientSummary, exampleDirectoryEntry } from './examples.js';
import { PageLimit } from './paging.js';

const Name = z.string().trim().min(1).max(100);
export const Reason = z
  .string()
  .trim()
  .min(5)
  .max(2000)
  .meta({ description: 'Why, in a sentence; kept in intake for the record' });

const EXAMPLE_EGN = { kind: 'egn', value: '8001010008' } as const;

export const RegisterClientBody = z
  .object({
    identifier: PersonalIdentifier.optional().meta({
      description: 'Leave out for a provisional record of a foreigner without ЕГН or ЛНЧ',
    }),
    givenName: Name,
    familyName: Name,
    municipality: MunicipalityCode,
    birthDate: LocalDate.optional().meta({
      description: 'Required with an ЛНЧ or without identifier; an ЕГН encodes it',
    }),
    sex: z.enum(['male', 'female']).optional().meta({ description: 'Only without ЕГН; an ЕГН encodes it' }),
  })
  .superRefine((b, ctx) => {
    if (b.identifier?.kind !== 'egn' && !b.birthDate) {
      ctx.addIssue({
        code: 'custom',
        path: ['birthDate'],
        message: 'required unless the identifier is an ЕГН',
      });
    }
    if (b.identifier?.kind === 'egn' && (b.birthDate || b.sex)) {
      ctx.addIssue({
        code: 'custom',
        path: [b.birthDate ? 'birthDate' : 'sex'],
        message: 'taken from the ЕГН; do not send it',
      });
    }
  })
  .meta({
    id: 'RegisterClient',
    examples: [
      { identifier: EXAMPLE_EGN, givenName: 'Иван', familyName: 'Тестов', municipality: 'BLG01' },
      { givenName: 'Amina', familyName: 'Testova', municipality: 'BLG01', birthDate: '1990-05-01' },
    ],
  });
export type RegisterClientBody = z.infer<typeof RegisterClientBody>;

export const CorrectDetailsBody = z
  .object({
    identifier: PersonalIdentifier.optional(),
    givenName: Name.optional(),
    familyName: Name.optional(),
    birthDate: LocalDate.optional(),
    sex: z.enum(['male', 'female']).optional(),
    reason: Reason,
  })
  .superRefine((b, ctx) => {
    if (!b.identifier && !b.givenName && !b.familyName && !b.birthDate && !b.sex) {
      ctx.addIssue({ code: 'custom', path: ['givenName'], message: 'name at least one detail to correct' });
    }
    if (b.identifier?.kind === 'egn' && (b.birthDate || b.sex)) {
      ctx.addIssue({
        code: 'custom',
        path: [b.birthDate ? 'birthDate' : 'sex'],
        message: 'taken from the ЕГН; do not send it',
      });
    }
  })
  .meta({
    id: 'CorrectClientDetails',
    example: { familyName: 'Тестова-Петрова', reason: 'Surname changed by marriage; certificate seen' },
  });

export const ContactDetailsBody = z
  .object({
    phone: z
      .string()
      .regex(/^\+?[0-9 ()-]{6,20}$/)
      .optional(),
    email: z.email().optional(),
  })
  .refine((b) => b.phone || b.email, { path: ['phone'], message: 'give a phone or an e-mail' })
  .meta({ id: 'ContactDetails', example: { phone: '+359 888 000 000', email: 'client@example.invalid' } });

export const AddressBody = z
  .object({
    kind: AddressKind,
    municipality: MunicipalityCode,
    settlement: z.string().trim().min(1).max(100),
    line: z.string().trim().min(1).max(300),
    postcode: z
      .string()
      .regex(/^\d{4}$/)
      .optional(),
    validFrom: LocalDate,
  })
  .meta({
    id: 'Address',
    example: {
      kind: 'current',
      municipality: 'BLG01',
      settlement: 'Банско',
      line: 'ул. Примерна 1',
      postcode: '2770',
      validFrom: '2026-01-15',
    },
  });

export const MoveBody = z
  .object({ to: MunicipalityCode, movedOn: LocalDate })
  .meta({ id: 'MoveClient', example: { to: 'MON29', movedOn: '2026-11-01' } });

export const DeathBody = z
  .object({ diedOn: LocalDate })
  .meta({ id: 'RecordDeath', example: { diedOn: '2026-11-20' } });

export const AssignCaseManagerBody = z
  .object({ caseManager: z.string().min(1).max(200), since: LocalDate })
  .meta({ id: 'AssignCaseManager', example: { caseManager: 'cm-bansko-1', since: '2026-11-23' } });

export const MergeBody = z.object({ duplicateId: ClientId, reason: Reason }).meta({
  id: 'MergeClients',
  example: {
    duplicateId: '01900000-0000-7000-8000-000000000002',
    reason: 'Registered twice: once provisionally, once with the ЛНЧ issued later',
  },
});

export const UnmergeBody = z.object({ mergedId: ClientId, reason: Reason }).meta({
  id: 'UnmergeClients',
  example: { mergedId: '01900000-0000-7000-8000-000000000002', reason: 'Merged in error: twins' },
});

export const HouseholdMemberBody = z
  .object({
    relation: Relation,
    givenName: Name,
    familyName: Name,
    birthDate: LocalDate.optional(),
    memberClientId: ClientId.optional().meta({ description: 'When the member is a client too' }),
    from: LocalDate,
  })
  .meta({
    id: 'HouseholdMember',
    example: { relation: 'spouse', givenName: 'Мария', familyName: 'Тестова', from: '2026-01-01' },
  });

export const MemberLeftBody = z
  .object({ from: LocalDate })
  .meta({ id: 'HouseholdMemberLeft', example: { from: '2026-11-01' } });

export const Address = z.object({
  kind: AddressKind,
  municipality: MunicipalityCode,
  settlement: z.string(),
  line: z.string(),
  postcode: z.string().optional(),
  validFrom: LocalDate,
});

export const HouseholdMember = z.object({
  memberId: z.uuid(),
  relation: Relation,
  givenName: z.string(),
  familyName: z.string(),
  birthDate: LocalDate.optional(),
  memberClientId: ClientId.optional(),
  from: LocalDate,
});

export const ClientStatus = z.enum(['active', 'deceased', 'merged']);

/** A client as intake shows it to staff of the owning municipality. */
export const ClientRecord = z
  .object({
    clientId: ClientId,
    caseNumber: z.string().optional(),
    status: ClientStatus,
    identifier: z.object({ kind: z.enum(['egn', 'lnch']), value: z.string() }).optional(),
    identifierKind: IdentifierKind,
    givenName: z.string(),
    familyName: z.string(),
    birthDate: LocalDate,
    sex: RecordedSex,
    municipality: MunicipalityCode,
    registeredOn: LocalDate,
    diedOn: LocalDate.optional(),
    mergedInto: ClientId.optional(),
    mergedClients: z.array(ClientId),
    contact: z.object({ phone: z.string().optional(), email: z.string().optional() }).optional(),
    addresses: z.array(Address),
    caseManager: z.string().optional(),
    household: z.array(HouseholdMember),
    version: z.number().int(),
  })
  .meta({ id: 'ClientRecord', example: exampleClientRecord });
export type ClientRecord = z.infer<typeof ClientRecord>;

const searchCriteria = {
  name: z
    .string()
    .trim()
    .min(2)
    .max(100)
    .optional()
    .meta({ description: 'Start of the family name, optionally followed by the start of the given name' }),
  caseNumber: z.string().trim().min(3).max(40).optional(),
  municipality: MunicipalityCode.optional(),
};

/**
 * A search in the query string: by name or case number. A personal identifier never travels in a URL
 * (URLs end up in proxy and browser logs): `identifier` here is refused; POST /v1/clients/search takes it.
 */
export const ClientSearchQuery = z
  .looseObject({
    ...searchCriteria,
    includeInactive: z.stringbool().default(false),
    limit: PageLimit,
    cursor: z.string().optional().meta({ description: 'From `next` of the previous page' }),
  })
  .superRefine((q, ctx) => {
    if ('identifier' in q) {
      ctx.addIssue({
        code: 'custom',
        path: ['identifier'],
        message: 'never in a URL: send the identifier in the body of POST /v1/clients/search',
      });
    } else if (!q.name && !q.caseNumber) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'search by name or case number' });
    }
  });

/** The same search in a body (read-only; logged as a search), the only one that takes an identifier. */
export const ClientSearchBody = z
  .object({
    identifier: z
      .string()
      .regex(/^\d{10}$/)
      .optional()
      .meta({ description: 'An exact ЕГН or ЛНЧ' }),
    ...searchCriteria,
    includeInactive: z.boolean().default(false),
    limit: z.number().int().min(1).max(100).default(20),
    cursor: z.string().optional().meta({ description: 'From `next` of the previous page' }),
  })
  .refine((q) => q.identifier || q.name || q.caseNumber, {
    path: ['name'],
    message: 'search by identifier, name or case number',
  })
  .meta({ id: 'ClientSearch', example: { identifier: EXAMPLE_EGN.value } });

export const ClientSummary = z
  .object({
    clientId: ClientId,
    caseNumber: z.string().optional(),
    status: ClientStatus,
    givenName: z.string(),
    familyName: z.string(),
    birthDate: LocalDate,
    municipality: MunicipalityCode,
    caseManager: z.string().optional(),
  })
  .meta({ id: 'ClientSummary', example: exampleClientSummary });

export const ClientPage = z
  .object({ items: z.array(ClientSummary), next: z.string().optional() })
  .meta({ id: 'ClientPage', example: { items: [exampleClientSummary], next: 'WyLRgtC10YHRgtC-0LIiXQ' } });

/** What eligibility, placement and billing know of a client: no personal data. */
export const ClientDirectoryEntry = z
  .object({
    clientId: ClientId,
    birthDate: LocalDate,
    sex: RecordedSex,
    municipality: MunicipalityCode,
    registeredOn: LocalDate,
    diedOn: LocalDate.optional(),
    mergedInto: ClientId.optional(),
  })
  .meta({ id: 'ClientDirectoryEntry', example: exampleDirectoryEntry });
export type ClientDirectoryEntry = z.infer<typeof ClientDirectoryEntry>;

export const ClientIdParams = z.object({ clientId: ClientId });
