import { createHmac } from 'node:crypto';

/**
 * The keyed hash that finds a person registered before without keeping the identifier anywhere but in
 * intake's internal events: HMAC-SHA-256 with a secret key, over the kind and the value.
 */
export const identifierHash = (key: string, identifier: { kind: string; value: string }) =>
  createHmac('sha256', key).update(`${identifier.kind}:${identifier.value}`).digest('hex');

export const clientStream = (clientId: string) => `client-${clientId}`;
export const identifierStream = (hash: string) => `identifier-${hash}`;
