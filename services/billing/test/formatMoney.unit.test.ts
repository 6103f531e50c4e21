import { bgn, eur } from '@casework/contracts';
import t from 'tap';
import { formatDate, formatInGroupsOfFour, formatMoney, formatMonth } from '../src/documents/formatMoney.js';

/** Every space in a formatted value is a no-break space, so that the value never wraps apart. */
const nb = (text: string) => text.replaceAll(' ', '\u00a0');

t.test('amounts in euro', async (t) => {
  t.equal(formatMoney(eur(0)), nb('0,00 €'));
  t.equal(formatMoney(eur(5)), nb('0,05 €'));
  t.equal(formatMoney(eur(1_200)), nb('12,00 €'));
  t.equal(formatMoney(eur(123_456)), nb('1 234,56 €'), 'four-digit amounts grouped too, for the column');
  t.equal(formatMoney(eur(1_234_567)), nb('12 345,67 €'));
  t.equal(formatMoney(eur(100_000_000)), nb('1 000 000,00 €'));
});

t.test('every digit of the largest safe amount, as no float arithmetic would keep them', async (t) => {
  t.equal(formatMoney(eur(Number.MAX_SAFE_INTEGER)), nb('90 071 992 547 409,91 €'));
});

t.test('negative amounts take a minus sign, not a hyphen', async (t) => {
  t.equal(formatMoney(eur(-1_200)), nb('−12,00 €'));
  t.equal(formatMoney(eur(-5)), nb('−0,05 €'));
  t.equal(formatMoney(eur(-123_456_789)), nb('−1 234 567,89 €'));
  t.equal(formatMoney(eur(-0)), nb('0,00 €'), 'no minus on zero');
});

t.test('amounts in leva', async (t) => {
  t.equal(formatMoney(bgn(1_200)), nb('12,00 лв.'));
  t.equal(formatMoney(bgn(-195_583)), nb('−1 955,83 лв.'));
});

t.test('dates', async (t) => {
  t.equal(formatDate('2027-01-20'), nb('20.01.2027 г.'));
  t.equal(formatDate('2026-12-31'), nb('31.12.2026 г.'));
});

t.test('all twelve months, lowercase', async (t) => {
  const months = [
    'януари',
    'февруари',
    'март',
    'април',
    'май',
    'юни',
    'юли',
    'август',
    'септември',
    'октомври',
    'ноември',
    'декември',
  ];
  months.forEach((name, i) => {
    const period = `2027-${String(i + 1).padStart(2, '0')}`;
    t.equal(formatMonth(period), `${name} 2027\u00a0г.`, period);
  });
  t.throws(() => formatMonth('2027-13'), RangeError);
});

t.test('references and IBANs in groups of four', async (t) => {
  t.equal(formatInGroupsOfFour('RF18539007547034'), 'RF18 5390 0754 7034');
  t.equal(formatInGroupsOfFour('RF471234'), 'RF47 1234');
  t.equal(formatInGroupsOfFour('BG80BNBG96611020345678'), 'BG80 BNBG 9661 1020 3456 78');
});
