import t from 'tap';
import {
  findPaymentReferences,
  isValidPaymentReference,
  paymentReferenceFor,
} from '../src/bank/paymentReference.js';

t.test('given a statement number, the RF reference printed on the statement', async (t) => {
  t.test(
    'when it is the example of ISO 11649, then its check digits are those of the standard',
    async (t) => {
      t.equal(paymentReferenceFor('539007547034'), 'RF18539007547034');
    },
  );
  t.test('when it has separators or lowercase letters, then they are dropped and uppercased', async (t) => {
    t.equal(paymentReferenceFor('2026-000123'), 'RF462026000123');
    t.equal(paymentReferenceFor('2026 / 000.123'), 'RF462026000123');
    t.equal(paymentReferenceFor('ab-12'), paymentReferenceFor('AB12'));
    t.equal(paymentReferenceFor('A'.repeat(21)).length, 25);
  });
  t.test('when it cannot make a base of 1 to 21 letters and digits, then it is refused', async (t) => {
    for (const number of ['', ' - ', 'A'.repeat(22), 'СФ-2026', '2026#1', 'straße1']) {
      t.throws(() => paymentReferenceFor(number), RangeError, JSON.stringify(number));
    }
  });
  t.test('when made, then it is valid, and any one character changed makes it invalid', async (t) => {
    for (const number of ['1', '2026-000123', 'BLG01-2026-03-0042', 'Z9Z9Z9Z9Z9Z9Z9Z9Z9Z9Z']) {
      const reference = paymentReferenceFor(number);
      t.ok(isValidPaymentReference(reference), reference);
      for (let i = 2; i < reference.length; i += 1) {
        const changed = reference.slice(0, i) + (reference[i] === '7' ? '8' : '7') + reference.slice(i + 1);
        t.notOk(isValidPaymentReference(changed), changed);
      }
    }
  });
});

t.test('validating an RF reference', async (t) => {
  t.test('when written compactly, printed in groups or in lowercase, then it is valid', async (t) => {
    t.ok(isValidPaymentReference('RF18539007547034'));
    t.ok(isValidPaymentReference('RF18 5390 0754 7034'));
    t.ok(isValidPaymentReference('rf18 5390 0754 7034'));
  });
  t.test('when the check digits are wrong or out of range, then it is not', async (t) => {
    t.notOk(isValidPaymentReference('RF19539007547034'));
    t.notOk(isValidPaymentReference('RF00539007547034'));
    t.notOk(isValidPaymentReference('RF99539007547034'));
  });
  t.test('when it is not shaped like one, then it is not', async (t) => {
    for (const s of [
      '',
      'RF18',
      'RF1853900754703X-',
      'XX18539007547034',
      `RF18${'1'.repeat(22)}`,
      'RF18 5390-0754',
    ]) {
      t.notOk(isValidPaymentReference(s), JSON.stringify(s));
    }
  });
});

t.test('finding RF references in a bank line’s text', async (t) => {
  t.test('when one is printed in groups of four among words, then it is found compact', async (t) => {
    t.same(findPaymentReferences('Такса за март по RF18 5390 0754 7034, благодаря'), ['RF18539007547034']);
    t.same(findPaymentReferences('FEE RF18 5390 0754 7034 MARCH'), ['RF18539007547034']);
  });
  t.test('when written in lowercase or without spaces, then it is found uppercased', async (t) => {
    t.same(findPaymentReferences('ref: rf18539007547034'), ['RF18539007547034']);
  });
  t.test('when a line break falls inside one, then it is found whole', async (t) => {
    t.same(findPaymentReferences('ПЛАЩАНЕ RF18 53\n90 0754 7034\nМАРТ'), ['RF18539007547034']);
    t.same(findPaymentReferences('ПЛАЩАНЕ R\nF18 5390 0754 7034'), ['RF18539007547034']);
  });
  t.test('when there are several, then each is found once, in order of appearance', async (t) => {
    const text = 'RF89 2026 0001 25 и RF19 2026 0001 24; повторно RF89202600012 5';
    t.same(findPaymentReferences(text), ['RF892026000125', 'RF192026000124']);
  });
  t.test('when the check digits do not hold, then nothing is found', async (t) => {
    t.same(findPaymentReferences('по RF47 2026 0001 23'), []);
    t.same(findPaymentReferences('RF18 5390 0754 7035'), []);
  });
  t.test('when there is no reference, or it is glued to other letters, then nothing is found', async (t) => {
    t.same(findPaymentReferences(''), []);
    t.same(findPaymentReferences('без основание'), []);
    t.same(findPaymentReferences('XRF18539007547034'), []);
    t.same(findPaymentReferences('RF18539007547034X'), []);
  });
});
