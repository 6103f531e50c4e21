export { placement } from './plugin.js';
