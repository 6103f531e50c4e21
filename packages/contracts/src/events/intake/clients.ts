import { z } from 'zod';
import { MunicipalityCode } from '../../codes.js';
import { defineEvent } from '../../eventCatalogue.js';
import { CalendarDate } from '../../localDate.js';

export const ClientId = z.uuid().meta({ description: 'Stable id of a client across all services' });
/** As recorded: an ЕГН gives male or female; without one it may be unknown. */
export const RecordedSex = z.enum(['male', 'female', 'unknown']);
/** `none`: a provisional record for a foreigner who has neither an ЕГН nor an ЛНЧ yet. */
export const IdentifierKind = z.enum(['egn', 'lnch', 'none']);
export const StoredIdentifier = z.object({ kind: z.enum(['egn', 'lnch']), value: z.string() });
export const AddressKind = z.enum(['permanent', 'current']);
export const Relation = z.enum([
  'spouse',
  'partner',
  'child',
  'parent',
  'sibling',
  'grandparent',
  'grandchild',
  'other_relative',
  'other',
]);
const Actor = z.string().min(1).meta({ description: 'User id (`sub`) of a member of staff' });

export const ClientRegistered = defineEvent({
  service: 'intake',
  name: 'ClientRegistered',
  version: 1,
  published: true,
  description:
    'A person was registered by a municipality. Carries only what other services need: never the ' +
    'personal identifier, the name or the address.',
  schema: z
    .object({
      clientId: ClientId,
      birthDate: CalendarDate,
      sex: RecordedSex,
      municipality: MunicipalityCode,
      identifierKind: IdentifierKind,
      registeredOn: CalendarDate,
    })
    .meta({ id: 'ClientRegistered' }),
});

/** Internal to intake: the personal details recorded at registration. Never published. */
export const ClientPersonalDetailsRecorded = defineEvent({
  service: 'intake',
  name: 'ClientPersonalDetailsRecorded',
  version: 1,
  published: false,
  description: 'The personal identifier, names and case number of a client, kept in intake only.',
  schema: z.object({
    clientId: ClientId,
    identifier: StoredIdentifier.optional(),
    givenName: z.string(),
    familyName: z.string(),
    caseNumber: z.string().optional(),
  }),
});

/** Internal to intake: claims a keyed hash of a personal identifier for one client (duplicate detection). */
export const IdentifierClaimed = defineEvent({
  service: 'intake',
  name: 'IdentifierClaimed',
  version: 1,
  published: false,
  description:
    'Reserves the keyed hash of a personal identifier for a client, so a person is registered once.',
  schema: z.object({ clientId: ClientId }),
});

export const IdentifierReleased = defineEvent({
  service: 'intake',
  name: 'IdentifierReleased',
  version: 1,
  published: false,
  description: 'A corrected identifier gives up its keyed-hash claim, so the right person can hold it.',
  schema: z.object({ clientId: ClientId }),
});

export const ClientDetailsCorrected = defineEvent({
  service: 'intake',
  name: 'ClientDetailsCorrected',
  version: 1,
  published: true,
  description:
    'A correction changed the birth date or sex of a client (as other services know them). The names ' +
    'and identifier, also correctable, never leave intake.',
  schema: z
    .object({ clientId: ClientId, birthDate: CalendarDate, sex: RecordedSex, identifierKind: IdentifierKind })
    .meta({ id: 'ClientDetailsCorrected' }),
});

export const ClientPersonalDetailsCorrected = defineEvent({
  service: 'intake',
  name: 'ClientPersonalDetailsCorrected',
  version: 1,
  published: false,
  description: 'The corrected personal details of a client and the reason for the correction.',
  schema: z.object({
    clientId: ClientId,
    identifier: StoredIdentifier.optional(),
    givenName: z.string(),
    familyName: z.string(),
    birthDate: CalendarDate,
    sex: RecordedSex,
    reason: z.string(),
  }),
});

export const ContactDetailsRecorded = defineEvent({
  service: 'intake',
  name: 'ContactDetailsRecorded',
  version: 1,
  published: false,
  description: "A client's phone and e-mail, kept in intake only.",
  schema: z.object({ clientId: ClientId, phone: z.string().optional(), email: z.string().optional() }),
});

export const ResidenceRecorded = defineEvent({
  service: 'intake',
  name: 'ResidenceRecorded',
  version: 1,
  published: true,
  description:
    "A client's permanent or current address is in a municipality from a date (the address itself " +
    'stays in intake).',
  schema: z
    .object({
      clientId: ClientId,
      kind: AddressKind,
      municipality: MunicipalityCode,
      validFrom: CalendarDate,
    })
    .meta({ id: 'ResidenceRecorded' }),
});

export const AddressRecorded = defineEvent({
  service: 'intake',
  name: 'AddressRecorded',
  version: 1,
  published: false,
  description: 'The address lines behind a ResidenceRecorded, kept in intake only.',
  schema: z.object({
    clientId: ClientId,
    kind: AddressKind,
    municipality: MunicipalityCode,
    settlement: z.string(),
    line: z.string(),
    postcode: z.string().optional(),
    validFrom: CalendarDate,
  }),
});

export const ClientMoved = defineEvent({
  service: 'intake',
  name: 'ClientMoved',
  version: 1,
  published: true,
  description:
    "The client's case moved to another municipality on a date: from then on that municipality owns it.",
  schema: z
    .object({ clientId: ClientId, from: MunicipalityCode, to: MunicipalityCode, movedOn: CalendarDate })
    .meta({ id: 'ClientMoved' }),
});

export const ClientDied = defineEvent({
  service: 'intake',
  name: 'ClientDied',
  version: 1,
  published: true,
  description: 'The client died on the date given. Placement discharges on that date.',
  schema: z.object({ clientId: ClientId, diedOn: CalendarDate }).meta({ id: 'ClientDied' }),
});

export const CaseManagerAssigned = defineEvent({
  service: 'intake',
  name: 'CaseManagerAssigned',
  version: 1,
  published: true,
  description: 'A case manager is responsible for the client from a date (replacing any before).',
  schema: z
    .object({ clientId: ClientId, caseManager: Actor, previous: Actor.optional(), since: CalendarDate })
    .meta({ id: 'CaseManagerAssigned' }),
});

export const ClientsMerged = defineEvent({
  service: 'intake',
  name: 'ClientsMerged',
  version: 1,
  published: true,
  description:
    'Two records were the same person: `mergedId` now points to `survivorId`. Both histories stay; ' +
    'services treat facts and placements of either id as the survivor’s.',
  schema: z
    .object({ survivorId: ClientId, mergedId: ClientId, mergedOn: CalendarDate })
    .meta({ id: 'ClientsMerged' }),
});

export const ClientMergedInto = defineEvent({
  service: 'intake',
  name: 'ClientMergedInto',
  version: 1,
  published: false,
  description: 'On the merged record: it now points to the survivor, with the reason for the merge.',
  schema: z.object({ clientId: ClientId, survivorId: ClientId, reason: z.string() }),
});

export const ClientsUnmerged = defineEvent({
  service: 'intake',
  name: 'ClientsUnmerged',
  version: 1,
  published: true,
  description: 'A merge was undone: both records stand on their own again, each with its own history.',
  schema: z
    .object({ survivorId: ClientId, mergedId: ClientId, unmergedOn: CalendarDate })
    .meta({ id: 'ClientsUnmerged' }),
});

export const ClientMergeUndone = defineEvent({
  service: 'intake',
  name: 'ClientMergeUndone',
  version: 1,
  published: false,
  description: 'On the merged record: it stands on its own again, with the reason.',
  schema: z.object({ clientId: ClientId, survivorId: ClientId, reason: z.string() }),
});

export const HouseholdMemberAdded = defineEvent({
  service: 'intake',
  name: 'HouseholdMemberAdded',
  version: 1,
  published: true,
  description:
    "A person belongs to the client's household from a date (for social-housing applications). The " +
    'member’s name stays in intake.',
  schema: z
    .object({
      clientId: ClientId,
      memberId: z.uuid(),
      relation: Relation,
      birthDate: CalendarDate.optional(),
      memberClientId: ClientId.optional(),
      from: CalendarDate,
    })
    .meta({ id: 'HouseholdMemberAdded' }),
});

export const HouseholdMemberDetailsRecorded = defineEvent({
  service: 'intake',
  name: 'HouseholdMemberDetailsRecorded',
  version: 1,
  published: false,
  description: 'The name of a household member, kept in intake only.',
  schema: z.object({
    clientId: ClientId,
    memberId: z.uuid(),
    givenName: z.string(),
    familyName: z.string(),
  }),
});

export const HouseholdMemberLeft = defineEvent({
  service: 'intake',
  name: 'HouseholdMemberLeft',
  version: 1,
  published: true,
  description: "A person no longer belongs to the client's household from a date.",
  schema: z
    .object({ clientId: ClientId, memberId: z.uuid(), from: CalendarDate })
    .meta({ id: 'HouseholdMemberLeft' }),
});

export const clientEvents = [
  ClientRegistered,
  ClientPersonalDetailsRecorded,
  IdentifierClaimed,
  IdentifierReleased,
  ClientDetailsCorrected,
  ClientPersonalDetailsCorrected,
  ContactDetailsRecorded,
  ResidenceRecorded,
  AddressRecorded,
  ClientMoved,
  ClientDied,
  CaseManagerAssigned,
  ClientsMerged,
  ClientMergedInto,
  ClientsUnmerged,
  ClientMergeUndone,
  HouseholdMemberAdded,
  HouseholdMemberDetailsRecorded,
  HouseholdMemberLeft,
] as const;
