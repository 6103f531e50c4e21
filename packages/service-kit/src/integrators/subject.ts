/** The subject of an integrator's tokens (`integrator:<id>`): whom its calls and webhook endpoints belong to. */
export const integratorSubject = (integratorId: string) => `integrator:${integratorId}`;
