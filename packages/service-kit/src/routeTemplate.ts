/**
 * A Fastify route (`/v1/clients/:clientId`) as OpenAPI writes it (`/v1/clients/{clientId}`): what logs,
 * traces, problems and the integrator call log name a request by, never its path (which may hold an
 * identifier). A request that matched no route has none.
 */
export const routeTemplate = (url: string | undefined): string | undefined =>
  url?.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
