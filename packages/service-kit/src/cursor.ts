import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { badRequest } from './problems.js';

/**
 * Opaque, signed page cursors (DESIGN §6): the sort key of the last row of a page, so the next page
 * starts after it whatever was inserted meanwhile, with an HMAC so that only a cursor this API gave out
 * reaches a query (a crafted one was cast to uuid/date/bigint and failed in the database). Clients must
 * not build or parse them.
 *
 * The key is derived from the app's identifier key (HKDF, label `page-cursor-v1`) when the app is built;
 * until then a random key of the process signs. Cursors are signed with the newest key and checked
 * against every key this process was given, so two apps in one process (tests) each accept their own.
 */
const keys: Buffer[] = [randomBytes(32)];

export function useCursorSecret(secret: string): void {
  const key = Buffer.from(hkdfSync('sha256', secret, 'casework', 'page-cursor-v1', 32));
  if (!keys.some((k) => k.equals(key))) keys.unshift(key);
}

const mac = (key: Buffer, body: string) => createHmac('sha256', key).update(body).digest().subarray(0, 16);

export const encodeCursor = (key: readonly (string | number)[]): string => {
  const body = Buffer.from(JSON.stringify(key)).toString('base64url');
  return `${body}.${mac(keys[0]!, body).toString('base64url')}`;
};

export function decodeCursor(cursor: string | undefined, length: number): (string | number)[] | undefined {
  if (cursor === undefined) return undefined;
  const [body, tag, extra] = cursor.split('.');
  if (body && tag && extra === undefined) {
    const given = Buffer.from(tag, 'base64url');
    if (given.length === 16 && keys.some((k) => timingSafeEqual(mac(k, body), given))) {
      try {
        const key = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
        if (
          Array.isArray(key) &&
          key.length === length &&
          key.every((k) => typeof k === 'string' || typeof k === 'number')
        )
          return key;
      } catch {}
    }
  }
  throw badRequest('query.cursor', 'not a cursor this API gave out');
}

/** Splits one extra row off a page query (`limit + 1` rows) into the page and the cursor for the next. */
export function pageOf<R>(rows: R[], limit: number, keyOf: (row: R) => (string | number)[]) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, ...(rows.length > limit && last ? { next: encodeCursor(keyOf(last)) } : {}) };
}
