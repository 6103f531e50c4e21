import fc from 'fast-check';
import t from 'tap';
import { composeLnch, lnchCheckDigit, parseLnch } from '../src/lnch.js';

t.test('check digit uses weights 21,19,17,13,11,9,7,3,1 mod 10', async (t) => {
  // 1*21 + 0 + ... + 1*1 = 22 → 2
  t.equal(lnchCheckDigit('100000001'), 2);
  t.same(parseLnch('1000000012'), { ok: true });
  t.same(parseLnch('1000000013'), { ok: false, problem: 'checksum' });
  t.same(parseLnch('10000000'), { ok: false, problem: 'format' });
});

t.test('property: composed ЛНЧ always parse, a changed check digit never does', async (t) => {
  fc.assert(
    fc.property(fc.stringMatching(/^\d{9}$/), fc.integer({ min: 1, max: 9 }), (nine, delta) => {
      const lnch = composeLnch(nine);
      const wrong = nine + ((Number(lnch[9]) + delta) % 10);
      return parseLnch(lnch).ok && !parseLnch(wrong).ok;
    }),
  );
  t.pass();
});
