import { z } from 'zod';
import { MunicipalityCode } from '../codes.js';
import { defineEvent } from '../eventCatalogue.js';
import { LocalDate } from '../localDate.js';

export const ClientId = z.uuid().meta({ description: 'Stable id of a client across all services' });

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
      birthDate: LocalDate,
      sex: z.enum(['male', 'female', 'unknown']),
      municipality: MunicipalityCode,
      identifierKind: z.enum(['egn', 'lnch']),
      registeredOn: LocalDate,
    })
    .meta({ id: 'ClientRegistered' }),
});

/** Internal to intake: the personal details recorded at registration. Never published. */
export const ClientPersonalDetailsRecorded = defineEvent({
  service: 'intake',
  name: 'ClientPersonalDetailsRecorded',
  version: 1,
  published: false,
  description: 'The personal identifier and names of a client, kept in intake only.',
  schema: z.object({
    clientId: ClientId,
    identifier: z.object({ kind: z.enum(['egn', 'lnch']), value: z.string() }),
    givenName: z.string(),
    familyName: z.string(),
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

export const intakeEvents = [ClientRegistered, ClientPersonalDetailsRecorded, IdentifierClaimed] as const;
