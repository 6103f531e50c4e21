export { determineAll } from './application/determine.js';
export { eligibility } from './plugin.js';
