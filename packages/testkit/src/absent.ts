import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import type { Test } from 'tap';

/** A problem as a caller sees it, without the parts that differ per request. */
export const problemSeen = (r: LightMyRequestResponse) => {
  const { instance: _i, correlationId: _c, traceId: _t, ...rest } = r.json();
  return { status: r.statusCode, contentType: r.headers['content-type'], ...rest };
};

/**
 * The same request naming a record outside the caller's scope and naming a random id: both 404, and
 * alike in every part a caller sees (DESIGN §6: no answer tells anything about a record out of scope).
 */
export async function answersAsAbsent(
  t: Test,
  what: string,
  send: (id: string) => Promise<LightMyRequestResponse>,
  outOfScope: string,
): Promise<void> {
  const theirs = await send(outOfScope);
  const none = await send(randomUUID());
  t.equal(theirs.statusCode, 404, `${what}: 404 (${theirs.body})`);
  t.same(problemSeen(theirs), problemSeen(none), `${what}: answers as if it did not exist`);
}
