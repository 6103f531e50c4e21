export { intake } from './plugin.js';
