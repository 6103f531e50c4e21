/**
 * Reads are written by service-kit's `logAccess`, as in every service that shows client records, and
 * read back through its `accessLogRoutes` (intake's at `GET /v1/access-log`).
 */
export { logAccess } from '@casework/service-kit';
