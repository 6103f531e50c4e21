/**
 * Reads are written by service-kit's `logAccess`, as in every service that shows client records, and
 * read back by its `readAccessLog` (eligibility's and placement's logs through `accessLogRoutes`).
 */
export { logAccess, readAccessLog } from '@casework/service-kit';
