import t from 'tap';
import { decodeCursor, encodeCursor } from '../src/cursor.js';

t.test('every cursor is sealed with an IV of its own', async (t) => {
  // more than one refill of the IV pool (340 IVs a refill)
  const key = ['2026-11-02', '01900000-0000-7000-8000-000000000001'];
  const cursors = Array.from({ length: 1000 }, () => encodeCursor(key));
  t.equal(new Set(cursors).size, cursors.length, 'the same key never seals to the same cursor twice');
  t.equal(
    new Set(cursors.map((c) => Buffer.from(c.split('.')[0]!, 'base64url').subarray(0, 12).toString('hex')))
      .size,
    cursors.length,
    'no IV is used twice',
  );
  t.ok(
    cursors.every((c) => JSON.stringify(decodeCursor(c, 2)) === JSON.stringify(key)),
    'each opens to the key it sealed',
  );
  const [body, tag] = cursors[0]!.split('.') as [string, string];
  const flipped = Buffer.from(body, 'base64url');
  flipped[14]! ^= 1;
  t.throws(() => decodeCursor(`${flipped.toString('base64url')}.${tag}`, 2), 'a changed cursor is refused');
});
