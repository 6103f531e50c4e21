import fc from 'fast-check';
import t from 'tap';
import { composeEgn, egnCheckDigit, parseEgn } from '../src/egn.js';
import { addDays } from '../src/localDate.js';

t.test('a known synthetic ЕГН decodes its date and sex', async (t) => {
  // 1980-01-01, serial 000 (even: male); 8*2 + 1*5 + 1*9 = 30, 30 mod 11 = 8
  t.same(parseEgn('8001010008'), { ok: true, facts: { birthDate: '1980-01-01', sex: 'male' } });
  // serial 001 (odd: female); 30 + 1*6 = 36, 36 mod 11 = 3
  t.same(parseEgn('8001010013'), { ok: true, facts: { birthDate: '1980-01-01', sex: 'female' } });
});

t.test('the month carries the century', async (t) => {
  const born1850 = composeEgn('1850-07-15', 123);
  t.equal(born1850.slice(2, 4), '27');
  t.match(parseEgn(born1850), { ok: true, facts: { birthDate: '1850-07-15' } });
  const born2005 = composeEgn('2005-12-31', 124);
  t.equal(born2005.slice(2, 4), '52');
  t.match(parseEgn(born2005), { ok: true, facts: { birthDate: '2005-12-31', sex: 'male' } });
});

t.test('a check digit of 10 is written as 0', async (t) => {
  // find a first-nine whose weighted sum is 10 mod 11
  const nine = '800101003';
  t.equal(
    egnCheckDigit(nine),
    [2, 4, 8, 5, 10, 9, 7, 3, 6].reduce((a, w, i) => a + w * Number(nine[i]), 0) % 11,
  );
  const tenCase = Array.from({ length: 1000 }, (_, i) => `800101${String(i).padStart(3, '0')}`).find(
    (n) => [2, 4, 8, 5, 10, 9, 7, 3, 6].reduce((a, w, i) => a + w * Number(n[i]), 0) % 11 === 10,
  );
  t.ok(tenCase, 'some serial gives remainder 10');
  t.equal(egnCheckDigit(tenCase!), 0);
  t.ok(parseEgn(`${tenCase}0`).ok);
});

t.test('refuses bad input with the reason', async (t) => {
  t.same(parseEgn('800101000'), { ok: false, problem: 'format' });
  t.same(parseEgn('80010100a8'), { ok: false, problem: 'format' });
  t.same(parseEgn('8013010008'), { ok: false, problem: 'date' }, 'month 13');
  t.same(parseEgn('8002300000'), { ok: false, problem: 'date' }, '30 February');
  t.same(parseEgn('8001010009'), { ok: false, problem: 'checksum' });
  t.same(parseEgn(composeEgn('2030-01-01', 10), '2026-11-23'), { ok: false, problem: 'future' });
  t.ok(parseEgn(composeEgn('2026-11-23', 10), '2026-11-23').ok, 'born today is fine');
});

const birthDates = fc
  .integer({ min: 0, max: 300 * 365 })
  .map((d) => addDays('1800-01-01', d))
  .filter((d) => d < '2100-01-01');

t.test('property: every composed ЕГН parses back to its date and sex', async (t) => {
  fc.assert(
    fc.property(birthDates, fc.integer({ min: 0, max: 999 }), (date, serial) => {
      const r = parseEgn(composeEgn(date, serial));
      return r.ok && r.facts.birthDate === date && r.facts.sex === (serial % 2 === 0 ? 'male' : 'female');
    }),
  );
  t.pass('held for generated dates 1800–2099');
});

t.test('property: changing any one digit is caught', async (t) => {
  fc.assert(
    fc.property(
      birthDates,
      fc.integer({ min: 0, max: 999 }),
      fc.integer({ min: 0, max: 9 }),
      fc.integer({ min: 1, max: 9 }),
      (date, serial, pos, delta) => {
        const egn = composeEgn(date, serial);
        const changed = egn.slice(0, pos) + ((Number(egn[pos]) + delta) % 10) + egn.slice(pos + 1);
        const r = parseEgn(changed);
        // a changed date digit may still give a valid date and sum; the check digit catches all
        // single-digit changes except where the weight times delta is 0 mod 11 (never, weights < 11) or
        // the changed check digit maps 10→0 collisions
        return !r.ok || egnCheckDigit(changed) === Number(changed[9]);
      },
    ),
  );
  t.pass();
});
