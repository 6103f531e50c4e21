import { z } from 'zod';
import { defineEvent } from '../../eventCatalogue.js';

/**
 * An integrator's credentials were revoked (intake keeps the registry): every service disables the
 * webhook endpoints it registered. For the services, not for integrators: no feed or webhook carries it.
 */
export const IntegratorRevoked = defineEvent({
  service: 'intake',
  name: 'IntegratorRevoked',
  version: 1,
  published: true,
  description:
    "An integrator's credentials were revoked: no token is issued to it again, and every service disables " +
    'the webhook endpoints it registered.',
  schema: z.object({ integratorId: z.uuid(), revokedAt: z.iso.datetime() }).meta({ id: 'IntegratorRevoked' }),
});

export const integratorRegistryEvents = [IntegratorRevoked] as const;
