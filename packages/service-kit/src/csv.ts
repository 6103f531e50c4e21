import { stringify } from 'csv-stringify/sync';
import type { FastifyReply } from 'fastify';

/** Sends rows as CSV (a header row, RFC 4180 quoting) as an attachment, for a route's `format=csv`. */
export function sendCsv(reply: FastifyReply, name: string, rows: readonly Record<string, unknown>[]) {
  const csv = stringify(rows as Record<string, unknown>[], {
    header: true,
    columns: rows[0] ? Object.keys(rows[0]) : [],
  });
  // the reply itself goes back to Fastify, so it does not try to send the handler's result a second time
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${name}.csv"`)
    .send(csv);
}
