import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, randomFillSync } from 'node:crypto';
import { badRequest } from './problems.js';

/**
 * Opaque, sealed page cursors (DESIGN §6): the sort key of the last row of a page, so the next page
 * starts after it whatever was inserted meanwhile. The key is encrypted and authenticated (AES-256-GCM):
 * only a cursor this API gave out reaches a query (a crafted one was cast to uuid/date/bigint and failed
 * in the database), and a cursor shows nothing of the row it points after (a name search's cursor holds
 * a family name, and cursors travel in URLs, which proxies log). Clients must not build or parse them.
 *
 * The key is derived from the app's identifier key (HKDF, label `page-cursor-v2`) when the app is built,
 * so every instance of a deployment reads the others' cursors; until then a random key of the process
 * seals. Cursors are sealed with the newest key and opened with any key this process was given, so two
 * apps in one process (tests) each accept their own.
 */
const keys: Buffer[] = [randomBytes(32)];

export function useCursorSecret(secret: string): void {
  const key = Buffer.from(hkdfSync('sha256', secret, 'casework', 'page-cursor-v2', 32));
  if (!keys.some((k) => k.equals(key))) keys.unshift(key);
}

// random IVs drawn from a pool refilled 4 KiB at a time: one system call for 340 pages, not one each
const ivPool = Buffer.alloc(4096);
let ivAt = ivPool.length;
function freshIv(): Buffer {
  if (ivAt + 12 > ivPool.length) {
    randomFillSync(ivPool);
    ivAt = 0;
  }
  ivAt += 12;
  return Buffer.from(ivPool.subarray(ivAt - 12, ivAt));
}

/** `<iv and ciphertext>.<tag>`, both base64url. */
export const encodeCursor = (key: readonly (string | number)[]): string => {
  const iv = freshIv();
  const cipher = createCipheriv('aes-256-gcm', keys[0]!, iv);
  const sealed = Buffer.concat([iv, cipher.update(JSON.stringify(key), 'utf8'), cipher.final()]);
  return `${sealed.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
};

function open(body: string, tag: string): string | undefined {
  const sealed = Buffer.from(body, 'base64url');
  const given = Buffer.from(tag, 'base64url');
  if (sealed.length <= 12 || given.length !== 16) return undefined;
  for (const k of keys) {
    try {
      const decipher = createDecipheriv('aes-256-gcm', k, sealed.subarray(0, 12));
      decipher.setAuthTag(given);
      return Buffer.concat([decipher.update(sealed.subarray(12)), decipher.final()]).toString('utf8');
    } catch {}
  }
  return undefined;
}

export function decodeCursor(cursor: string | undefined, length: number): (string | number)[] | undefined {
  if (cursor === undefined) return undefined;
  const [body, tag, extra] = cursor.split('.');
  const text = body && tag && extra === undefined ? open(body, tag) : undefined;
  if (text !== undefined) {
    try {
      const key = JSON.parse(text);
      if (
        Array.isArray(key) &&
        key.length === length &&
        key.every((k) => typeof k === 'string' || typeof k === 'number')
      )
        return key;
    } catch {}
  }
  throw badRequest('query.cursor', 'not a cursor this API gave out');
}

/** Splits one extra row off a page query (`limit + 1` rows) into the page and the cursor for the next. */
export function pageOf<R>(rows: R[], limit: number, keyOf: (row: R) => (string | number)[]) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, ...(rows.length > limit && last ? { next: encodeCursor(keyOf(last)) } : {}) };
}

/**
 * The key of a cursor this API gave out for one list (`tag`, its first element), or 400 naming `field`:
 * another list's cursor, sealed too, is refused instead of being read as a key of this one.
 */
export function decodeTaggedCursor(
  cursor: string,
  tag: string,
  length: number,
  field: string,
): (string | number)[] {
  let key: (string | number)[] | undefined;
  try {
    key = decodeCursor(cursor, length + 1);
  } catch {}
  if (key?.[0] !== tag) throw badRequest(field, 'not a cursor this list gave out');
  return key.slice(1);
}
