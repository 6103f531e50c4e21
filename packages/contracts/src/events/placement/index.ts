import { placementEvents } from './placements.js';
import { siteEvents } from './sites.js';

export * from './placements.js';
export * from './sites.js';

export const placementServiceEvents = [...siteEvents, ...placementEvents] as const;
