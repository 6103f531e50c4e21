export { eligibility } from './plugin.js';
