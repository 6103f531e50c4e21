import { paymentEvents } from './payments.js';
import { siteCostEvents } from './siteCosts.js';
import { statementEvents } from './statements.js';
import { tariffEvents } from './tariffs.js';

export * from './payments.js';
export * from './siteCosts.js';
export * from './statements.js';
export * from './tariffs.js';

export const billingEvents = [
  ...tariffEvents,
  ...siteCostEvents,
  ...statementEvents,
  ...paymentEvents,
] as const;
