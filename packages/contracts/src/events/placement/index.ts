import { placementEvents } from './placements.js';
import { siteEvents } from './sites.js';
import { taskEvents } from './tasks.js';
import { waitingListEvents } from './waitingList.js';

export * from './placements.js';
export * from './sites.js';
export * from './tasks.js';
export * from './waitingList.js';

export const placementServiceEvents = [
  ...siteEvents,
  ...placementEvents,
  ...waitingListEvents,
  ...taskEvents,
] as const;
