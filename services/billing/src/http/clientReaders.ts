import { badRequest, principalOf } from '@casework/service-kit';
import type { FastifyRequest } from 'fastify';

/**
 * Case managers and supervisors read a client's statements and payments, not the municipality's books:
 * a list they ask for names the client (400 otherwise). Billing officers list the municipality's.
 */
export function assertClientNamed(request: FastifyRequest, named: string | undefined) {
  if (named === undefined && !principalOf(request).roles.includes('billing_officer'))
    throw badRequest('query.clientId', "required: case managers and supervisors read a client's own");
}
