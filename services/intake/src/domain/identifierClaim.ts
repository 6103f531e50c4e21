import { createHmac } from 'node:crypto';
import {
  conflictWith,
  type EventOf,
  type IdentifierClaimed,
  type IdentifierReleased,
} from '@casework/contracts';

/**
 * The keyed hash that finds a person registered before without keeping the identifier anywhere but in
 * intake's internal events: HMAC-SHA-256 with a secret key, over the kind and the value.
 */
export const identifierHash = (key: string, identifier: { kind: string; value: string }) =>
  createHmac('sha256', key).update(`${identifier.kind}:${identifier.value}`).digest('hex');

export const clientStream = (clientId: string) => `client-${clientId}`;
export const identifierStream = (hash: string) => `identifier-${hash}`;

/** Who holds a personal identifier (stream `identifier-<hash>`): one client at a time. */
export type ClaimEvent = EventOf<typeof IdentifierClaimed> | EventOf<typeof IdentifierReleased>;
export type Claim = { holder?: string };
export type ClaimCommand = { type: 'Claim'; clientId: string } | { type: 'Release'; clientId: string };

export const initialState: Claim = {};

export function decide(command: ClaimCommand, state: Claim): ClaimEvent[] {
  if (command.type === 'Claim') {
    if (state.holder === command.clientId) return [];
    if (state.holder)
      throw conflictWith('CLIENT_ALREADY_REGISTERED', 'this person is already registered', {
        existing: { clientId: state.holder, href: `/v1/clients/${state.holder}` },
      });
    return [{ type: 'IdentifierClaimed', data: { clientId: command.clientId } }];
  }
  return state.holder === command.clientId
    ? [{ type: 'IdentifierReleased', data: { clientId: command.clientId } }]
    : [];
}

export function evolve(_state: Claim, event: ClaimEvent): Claim {
  return event.type === 'IdentifierClaimed' ? { holder: event.data.clientId } : {};
}

export const claimDecider = { initialState, decide, evolve };
