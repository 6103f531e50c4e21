import { bgn, eur } from '@casework/contracts';
import t from 'tap';
import { extractText, getMeta } from 'unpdf';
import { formatMoney } from '../src/documents/formatMoney.js';
import { StatementDocument } from '../src/documents/statementDocument.js';
import { renderStatementPdf } from '../src/documents/statementPdf.js';

// Synthetic data only: a made-up client, the ISO 11649 example reference, the BNB's example IBAN.
const line = (i: number): StatementDocument['lines'][number] => ({
  serviceName: i % 2 === 0 ? 'Защитено жилище' : 'Дневен център за пълнолетни лица с увреждания',
  siteName: i % 2 === 0 ? 'ЗЖ „Тестово 1“' : 'ДЦ „Тестов“',
  from: '2027-01-01',
  to: '2027-01-20',
  billableDays: 20,
  daysInMonth: 31,
  basis: '70% от дохода 612,40 €',
  amount: eur(27_600 + i),
});

const statement = (overrides: Partial<StatementDocument> = {}): StatementDocument => ({
  municipality: { code: 'BLG02', name: 'Банско' },
  statementNumber: '2027-01/000042',
  period: '2027-01',
  issuedOn: '2027-02-05',
  dueOn: '2027-02-20',
  paymentReference: 'RF18539007547034',
  payee: { name: 'Община Банско', iban: 'BG80BNBG96611020345678' },
  client: { name: 'Мария Тестова' },
  lines: [line(0), line(1), { ...line(2), siteName: undefined, amount: bgn(54_321) }],
  adjustments: [
    {
      correctsPeriod: '2026-12',
      reason: 'Отсъствие над 30 дни, отразено със закъснение',
      amount: eur(-1_200),
    },
  ],
  previousBalance: eur(123_456),
  totalDue: eur(1_234_567),
  notes: ['Сумата е превалутирана от лева по фиксирания курс 1,95583'],
  ...overrides,
});

/** pdf.js reads a no-break space back as a space and breaks lines inside table cells: compare words. */
const words = (text: string) => text.replace(/\s+/g, ' ');

async function pagesOf(pdf: Buffer): Promise<string[]> {
  // A copy: pdf.js takes over the buffer it is given.
  const { text } = await extractText(new Uint8Array(pdf));
  return text.map(words);
}

t.test('a month with adjustments, in Bulgarian, with the Cyrillic text readable back', async (t) => {
  const doc = statement();
  const pages = await pagesOf(await renderStatementPdf(doc));
  t.equal(pages.length, 1);
  const text = pages[0] ?? '';
  const expected = [
    'Община Банско',
    'Сметка за дължими такси № 2027-01/000042',
    'за месец януари 2027 г.',
    'До: Мария Тестова',
    'Дата на издаване: 05.02.2027 г.',
    'Защитено жилище ЗЖ „Тестово 1“ 01.01.2027 г. – 20.01.2027 г. 20 от 31 дни',
    ...doc.lines.map((l) => formatMoney(l.amount)),
    'Корекции за предходни периоди',
    'декември 2026 г. Отсъствие над 30 дни, отразено със закъснение −12,00 €',
    'Предходно салдо: 1 234,56 €',
    'Общо дължимо: 12 345,67 €',
    'Срок за плащане: до 20.02.2027 г.',
    'Основание за плащане / референция: RF18 5390 0754 7034',
    'Получател на плащането: Община Банско',
    'IBAN: BG80 BNBG 9661 1020 3456 78',
    'Сумата е превалутирана от лева по фиксирания курс 1,95583',
    'Страница 1 от 1',
  ];
  for (const phrase of expected) t.ok(text.includes(words(phrase)), phrase);
  t.ok(text.includes('543,21 лв.'), 'a line in leva keeps its currency');
  t.notOk(text.includes('Приспаднат кредит'), 'no credit line when no credit was applied');
});

t.test('without adjustments there is no adjustments section', async (t) => {
  const [text = ''] = await pagesOf(await renderStatementPdf(statement({ adjustments: [] })));
  t.notOk(text.includes('Корекции'));
  t.ok(text.includes(words('Общо дължимо: 12 345,67 €')));
});

t.test('a credit applied is shown with the totals', async (t) => {
  const [text = ''] = await pagesOf(await renderStatementPdf(statement({ creditApplied: eur(-5_000) })));
  t.ok(text.includes(words('Приспаднат кредит: −50,00 €')));
});

t.test(
  '80 lines flow onto further pages, the table header on each, numbered "Страница i от N"',
  async (t) => {
    const doc = statement({ lines: Array.from({ length: 80 }, (_, i) => line(i)) });
    const pages = await pagesOf(await renderStatementPdf(doc));
    const n = pages.length;
    t.ok(n > 1, `${n} pages`);
    pages.forEach((text, i) => {
      t.ok(text.includes(`Страница ${i + 1} от ${n}`), `page ${i + 1} numbered`);
      t.ok(text.includes('Сметка № 2027-01/000042'), `page ${i + 1} names the statement`);
    });
    const amounts = doc.lines.map((l) => words(formatMoney(l.amount)));
    const tablePages = pages.filter((text) => amounts.some((amount) => text.includes(amount)));
    t.ok(tablePages.length > 1, `the table spans ${tablePages.length} pages`);
    t.ok(
      tablePages.every((text) => text.includes('Услуга Обект Период Дни Основание Сума')),
      'the header row repeated on each of them',
    );
    const all = pages.join(' ');
    const missing = amounts.filter((amount) => !all.includes(amount));
    t.same(missing, [], 'no line lost at a page break');
    t.ok(pages[n - 1]?.includes(words('Общо дължимо: 12 345,67 €')), 'the total on the last page');
  },
);

t.test('the same statement renders to the same bytes, dated by its issue date', async (t) => {
  const first = await renderStatementPdf(statement());
  const second = await renderStatementPdf(statement());
  t.ok(first.equals(second), 'byte-identical');
  const { info } = await getMeta(new Uint8Array(first));
  t.equal(info.Title, 'Сметка за дължими такси № 2027-01/000042');
  t.equal(info.Author, 'Casework');
  t.equal(info.CreationDate, 'D:20270205120000Z');
  const other = await renderStatementPdf(statement({ statementNumber: '2027-01/000043' }));
  t.notOk(first.equals(other), 'another statement, other bytes');
});

t.test('the document schema', async (t) => {
  t.ok(StatementDocument.safeParse(statement()).success, 'the fixture is a valid document');
  const refused = (overrides: Partial<StatementDocument>) =>
    !StatementDocument.safeParse(statement(overrides)).success;
  t.ok(refused({ paymentReference: 'RF19539007547034' }), 'an RF reference with wrong check digits');
  t.ok(refused({ paymentReference: 'RF18 5390 0754 7034' }), 'an RF reference with spaces');
  t.ok(refused({ payee: { name: 'Община Банско', iban: 'BG81BNBG96611020345678' } }), 'a wrong IBAN');
  t.ok(refused({ period: '2027-13' }), 'a month that does not exist');
  t.ok(refused({ lines: [{ ...line(0), from: '2027-01-21' }] }), 'a line ending before it starts');
  t.ok(refused({ lines: [{ ...line(0), billableDays: 32 }] }), 'more days than the month has');
});
