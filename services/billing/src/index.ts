export { billing } from './plugin.js';
