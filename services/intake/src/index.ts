export { clientDecider } from './domain/client.js';
export { claimDecider, clientStream, identifierHash, identifierStream } from './domain/identifierClaim.js';
export { intake } from './plugin.js';
