import { badRequest } from './problems.js';

/**
 * Opaque page cursors (DESIGN §6): the sort key of the last row of a page, so the next page starts
 * after it whatever was inserted meanwhile. Clients must not build or parse them.
 */
export const encodeCursor = (key: readonly (string | number)[]): string =>
  Buffer.from(JSON.stringify(key)).toString('base64url');

export function decodeCursor(cursor: string | undefined, length: number): (string | number)[] | undefined {
  if (cursor === undefined) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(key) &&
      key.length === length &&
      key.every((k) => typeof k === 'string' || typeof k === 'number')
    )
      return key;
  } catch {}
  throw badRequest('query.cursor', 'not a cursor this API gave out');
}

/** Splits one extra row off a page query (`limit + 1` rows) into the page and the cursor for the next. */
export function pageOf<R>(rows: R[], limit: number, keyOf: (row: R) => (string | number)[]) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, ...(rows.length > limit && last ? { next: encodeCursor(keyOf(last)) } : {}) };
}
