import { determinationEvents } from './determinations.js';
import { ruleSetEvents } from './ruleSets.js';

export * from './determinations.js';
export * from './ruleSets.js';

export const eligibilityEvents = [...ruleSetEvents, ...determinationEvents] as const;
