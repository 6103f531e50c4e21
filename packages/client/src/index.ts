export {
  type Answer,
  type CallOptions,
  type CaseworkClient,
  type ClientOptions,
  createCaseworkClient,
} from './client.js';
export { type ClientCredentials, clientCredentials } from './credentials.js';
export { CaseworkProblem, type Problem } from './problem.js';
export type { components, paths } from './schema.js';
