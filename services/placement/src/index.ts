export { placement } from './plugin.js';
export { expireOffers } from './workers/offerExpiry.js';
