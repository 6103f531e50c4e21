import { readFileSync } from 'node:fs';
import t from 'tap';
import { type BankLine, minorUnits, parseBankStatement } from '../src/bank/bankStatement.js';
import { keyedFor } from '../src/domain/bankImport.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/bank/${name}`, import.meta.url), 'utf8');
const camt02 = fixture('camt053-001-02.xml');
const camt08 = fixture('camt053-001-08.xml');
const mt940 = fixture('mt940-bg.sta');
const mt940Overlap = fixture('mt940-bg-overlap.sta');

const EUR_ACCOUNT = 'BG45FAKE96611000000001';
const BGN_ACCOUNT = 'BG18FAKE96611000000002';
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });
const bgn = (amountMinor: number) => ({ amountMinor, currency: 'BGN' });
/** What a line says, without its key (keys are checked on their own). */
const gist = ({ lineKey: _, ...line }: BankLine) => line;
const keysOf = (content: string) =>
  parseBankStatement(content).statements.flatMap((s) => s.lines.map((l) => l.lineKey));
const unreadable = (message: RegExp) => ({
  name: 'BankStatementUnreadable',
  code: 'BANK_STATEMENT_UNREADABLE',
  message,
});

/** A one-statement camt.053 file of the EUR account around the given `<Ntry>` elements. */
const camtOf = (entries: string) => `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>
  <Id>STMT-1</Id><Acct><Id><IBAN>${EUR_ACCOUNT}</IBAN></Id></Acct>${entries}
</Stmt></BkToCstmrStmt></Document>`;

/** A one-statement MT940 file around the given `:61:`/`:86:` fields. */
const mt940With = (currency: string, fields: string[], closing: string) =>
  [
    ':20:T1',
    `:25:${EUR_ACCOUNT}`,
    ':28C:1/1',
    `:60F:C260301${currency}0,00`,
    ...fields,
    `:62F:C260302${currency}${closing}`,
  ].join('\r\n');

t.test('given a camt.053.001.02 file', async (t) => {
  const file = parseBankStatement(camt02);
  const [statement] = file.statements;

  t.test('when read, then it is one statement of the account, with every booked entry', async (t) => {
    t.equal(file.format, 'camt.053');
    t.equal(file.statements.length, 1);
    t.equal(statement!.account, EUR_ACCOUNT);
    t.equal(statement!.statementId, 'STMT-2026-03-02');
    t.same(statement!.lines.map(gist), [
      {
        bookedOn: '2026-03-02',
        valueOn: '2026-03-02',
        direction: 'credit',
        amount: eur(12_050),
        references: ['RF462026000123'],
        bankReference: 'FAKE260302000001',
      },
      // 1234.5 → 123450 cents; the structured reference first, then the other one in the text, once each
      {
        bookedOn: '2026-03-02',
        valueOn: '2026-03-02',
        direction: 'credit',
        amount: eur(123_450),
        references: ['RF192026000124', 'RF892026000125'],
        bankReference: '000002',
      },
      // 0.07 → 7 cents; the reference in the text has wrong check digits: unmatched
      { bookedOn: '2026-03-02', direction: 'credit', amount: eur(7), references: [] },
      // a reversed credit takes the money back out
      {
        bookedOn: '2026-03-02',
        valueOn: '2026-03-01',
        direction: 'debit',
        amount: eur(1_500),
        references: ['RF462026000123'],
        bankReference: 'FAKE260302000004',
      },
      // a batch entry of €300.00: one line per payment in it
      ...[
        [10_000, ['RF622026000126']],
        [15_000, ['RF18539007547034']],
        [5_000, []],
      ].map(([amount, references]) => ({
        bookedOn: '2026-03-02',
        valueOn: '2026-03-02',
        direction: 'credit',
        amount: eur(amount as number),
        references,
        bankReference: 'FAKE260302000005',
      })),
      {
        bookedOn: '2026-03-02',
        direction: 'debit',
        amount: eur(120),
        references: [],
        bankReference: 'FAKE260302000006',
      },
    ]);
  });

  t.test(
    'when keyed, then by the account servicer’s reference under the account, a batch’s lines by ordinal',
    async (t) => {
      const keys = statement!.lines.map((l) => l.lineKey);
      t.same(keys, [
        `${EUR_ACCOUNT}:FAKE260302000001`,
        keys[1],
        keys[2],
        `${EUR_ACCOUNT}:FAKE260302000004`,
        `${EUR_ACCOUNT}:FAKE260302000005#1`,
        `${EUR_ACCOUNT}:FAKE260302000005#2`,
        `${EUR_ACCOUNT}:FAKE260302000005#3`,
        `${EUR_ACCOUNT}:FAKE260302000006`,
      ]);
      // NtryRef 000002 is unique only within this statement: it goes into the digest, not the key
      t.match(keys[1], /^sha256:[0-9a-f]{64}$/, 'with only an entry reference, a digest');
      t.match(keys[2], /^sha256:[0-9a-f]{64}$/, 'without any reference, a digest');
    },
  );
});

t.test('given a camt.053.001.08 file with a namespace prefix and two statements', async (t) => {
  const file = parseBankStatement(camt08);

  t.test(
    'when read, then each statement has its account and lines; pending entries are left out',
    async (t) => {
      t.same(
        file.statements.map((s) => [s.account, s.statementId, s.lines.length]),
        [
          [EUR_ACCOUNT, 'STMT-2026-03-03-EUR', 1],
          [BGN_ACCOUNT, 'STMT-2026-03-03-BGN', 3],
        ],
      );
    },
  );

  t.test(
    'when a booking has a date and time, and a reference wraps over two lines, then both are read',
    async (t) => {
      t.same(gist(file.statements[0]!.lines[0]!), {
        bookedOn: '2026-03-03',
        valueOn: '2026-03-03',
        direction: 'credit',
        amount: eur(4_500),
        references: ['RF462026000123', 'RF622026000126'],
        bankReference: 'FAKE260303000001',
      });
    },
  );

  t.test(
    'when lines are in BGN, then they stay in BGN, a batch split by its transactions’ amounts',
    async (t) => {
      t.same(file.statements[1]!.lines.map(gist), [
        {
          bookedOn: '2026-03-03',
          direction: 'credit',
          amount: bgn(9_779),
          references: ['RF892026000125'],
          bankReference: 'FAKE260303100001',
        },
        { bookedOn: '2026-03-03', direction: 'credit', amount: bgn(1_000), references: ['RF192026000124'] },
        { bookedOn: '2026-03-03', direction: 'credit', amount: bgn(2_000), references: [] },
      ]);
      // keyed by a digest: its NtryRef alone says nothing across days
      t.match(file.statements[1]!.lines[0]!.lineKey, /^sha256:[0-9a-f]{64}$/);
    },
  );
});

t.test('given an MT940 file in a Bulgarian bank’s layout, two statements, Cyrillic in :86:', async (t) => {
  const file = parseBankStatement(mt940);
  const [eurStatement, bgnStatement] = file.statements;

  t.test('when read, then each statement has its account (a BIC before it dropped) and :20:', async (t) => {
    t.equal(file.format, 'mt940');
    t.same(
      file.statements.map((s) => [s.account, s.statementId]),
      [
        [EUR_ACCOUNT, 'FAKE2603020001'],
        [BGN_ACCOUNT, 'FAKE2603020002'],
      ],
    );
  });

  t.test('when read, then amounts, dates, directions and references are exact', async (t) => {
    const line = (amount: number, references: string[], more: Partial<BankLine> = {}) => ({
      bookedOn: '2026-03-02',
      valueOn: '2026-03-02',
      direction: 'credit',
      amount: eur(amount),
      references,
      ...more,
    });
    t.same(eurStatement!.lines.map(gist), [
      // the reference wrapped from subfield ?20 onto ?21
      line(12_050, ['RF462026000123'], { bankReference: 'FAKE260302000001' }),
      // 1234,5 → 123450 cents; two references
      line(123_450, ['RF192026000124', 'RF892026000125'], { bankReference: 'FAKE260302000002' }),
      // 0,07 → 7 cents; wrong check digits: unmatched
      line(7, []),
      // RC: a credit reversed, valued the day before
      line(1_500, ['RF462026000123'], {
        direction: 'debit',
        valueOn: '2026-03-01',
        bankReference: 'FAKE260302000004',
      }),
      line(1_000, []),
      line(1_000, []),
      line(120, [], { direction: 'debit', bankReference: 'FAKE260302000007' }),
    ]);
    t.same(bgnStatement!.lines.map(gist), [
      {
        bookedOn: '2026-03-02',
        valueOn: '2026-03-02',
        direction: 'credit',
        amount: bgn(9_779),
        references: ['RF622026000126'],
        bankReference: 'FAKE260302100001',
      },
    ]);
  });

  t.test('when two payments are alike in every way, then they are still two lines', async (t) => {
    const [fifth, sixth] = [eurStatement!.lines[4]!, eurStatement!.lines[5]!];
    t.same(gist(fifth), gist(sixth));
    t.not(fifth.lineKey, sixth.lineKey);
  });

  t.test(
    'when a line valued on 31 December is booked on 2 January, then it is booked in the new year',
    async (t) => {
      const content = [':20:T1', `:25:${EUR_ACCOUNT}`, ':28C:1/1', ':60F:C251231EUR0,00']
        .concat([':61:2512310102C5,00NTRFNONREF', ':62F:C260102EUR5,00'])
        .join('\n');
      const [line] = parseBankStatement(content).statements[0]!.lines;
      t.match(line, { valueOn: '2025-12-31', bookedOn: '2026-01-02' });
    },
  );
});

t.test('keys that survive re-imports', async (t) => {
  t.test(
    'given the same file read twice, then every line has the same key, and keys are unique',
    async (t) => {
      for (const content of [camt02, camt08, mt940]) {
        const keys = keysOf(content);
        t.same(keysOf(content), keys);
        t.equal(new Set(keys).size, keys.length);
      }
    },
  );

  t.test('given a later file overlapping the first, then the lines in both have the same keys', async (t) => {
    const first = parseBankStatement(mt940).statements[0]!.lines;
    const later = parseBankStatement(mt940Overlap).statements[0]!.lines;
    t.equal(later[0]!.lineKey, first[0]!.lineKey, 'a line with a bank reference');
    t.equal(later[1]!.lineKey, first[2]!.lineKey, 'a line without one');
    t.notOk(keysOf(mt940).includes(later[2]!.lineKey), 'a new line has a new key');
  });

  t.test(
    'given a camt.053 file where two entries share the account servicer’s reference, then it is refused',
    async (t) => {
      const twice = camt02.replace(
        '<AcctSvcrRef>FAKE260302000004</AcctSvcrRef>',
        '<AcctSvcrRef>FAKE260302000001</AcctSvcrRef>',
      );
      t.throws(() => parseBankStatement(twice), unreadable(/line 4 repeats the key/));
    },
  );

  t.test(
    'given camt.053 files of two days, each numbering its entries from 1, then their lines have two keys',
    async (t) => {
      // The bank starts NtryRef again at 1 each day and gives no AcctSvcrRef: the second day's entry is
      // another payment, not the first one seen again.
      const day = (date: string, amount: string) =>
        camtOf(`<Ntry><NtryRef>1</NtryRef><Amt Ccy="EUR">${amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>
          <Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>${date}</Dt></BookgDt></Ntry>`);
      const [monday] = keysOf(day('2026-03-02', '10.00'));
      const [tuesday] = keysOf(day('2026-03-03', '20.00'));
      t.not(monday, tuesday);
      t.not(keysOf(day('2026-03-02', '10.00'))[0], keysOf(day('2026-03-03', '10.00'))[0], 'even alike');
      t.equal(keysOf(day('2026-03-02', '10.00'))[0], monday, 'the same file again: the same key');
    },
  );

  t.test('given the same file imported by two municipalities, then each has its own keys', async (t) => {
    const file = parseBankStatement(camt02);
    const keys = (municipality: string) =>
      keyedFor(municipality, file).statements.flatMap((s) => s.lines.map((l) => l.lineKey));
    t.same(
      keys('BLG01'),
      keysOf(camt02).map((k) => `BLG01:${k}`),
    );
    t.notOk(
      keys('SOF46').some((k) => keys('BLG01').includes(k)),
      'no key of one is a key of the other',
    );
  });

  t.test(
    'given MT940 files of two days reusing a bank reference, then their lines have two keys',
    async (t) => {
      const monday = mt940With('EUR', [':61:2603020302C1,00NTRFNONREF//000001'], '1,00');
      const tuesday = mt940With('EUR', [':61:2603030303C2,00NTRFNONREF//000001'], '2,00');
      t.not(keysOf(monday)[0], keysOf(tuesday)[0]);
      t.same(keysOf(monday), keysOf(monday), 'the same file again: the same key');
    },
  );
});

t.test('no personal data in what is read', async (t) => {
  const personal = [
    'тестов',
    'примерова',
    'фиктивен',
    'bg88fake',
    'bg30fake',
    'социална',
    'дарение',
    'превод',
  ];
  for (const [name, content] of Object.entries({ camt02, camt08, mt940, mt940Overlap })) {
    const json = JSON.stringify(parseBankStatement(content)).toLowerCase();
    t.same(
      personal.filter((word) => json.includes(word)),
      [],
      `${name}: no payer name, payer account or free text`,
    );
  }
});

t.test('amounts in minor units, never through a float', async (t) => {
  t.equal(minorUnits('1234.5', '.'), 123_450);
  t.equal(minorUnits('0.07', '.'), 7);
  t.equal(minorUnits('100', '.'), 10_000);
  t.equal(minorUnits('1,', ','), 100);
  t.equal(minorUnits('0,5', ','), 50);
  t.equal(minorUnits('1234,56', ','), 123_456);
  for (const [text, separator] of [
    ['1.234', '.'],
    ['1,234', ','],
    ['1 000,00', ','],
    ['1.000,00', ','],
    ['100', ','],
    ['-1.00', '.'],
    ['1e3', '.'],
    ['.5', '.'],
    ['1.', '.'],
    ['', '.'],
    ['99999999999999999.99', '.'],
  ] as const) {
    t.equal(minorUnits(text, separator), undefined, `${text} is refused`);
  }
});

t.test('files that are not bank statements, or are malformed', async (t) => {
  const refused: [string, string, RegExp][] = [
    ['empty', '', /empty/],
    ['blank', ' \r\n ', /empty/],
    ['garbage', 'not a statement at all', /neither camt\.053 XML nor MT940/],
    ['an HTML page', '<html><body><p>Грешка 500</p><br></body></html>', /not well formed/],
    ['XHTML', '<html><body><p>Вход</p></body></html>', /not a camt\.053/],
    ['HTML with a DOCTYPE', '<!DOCTYPE html><html><body></body></html>', /DOCTYPE/],
    ['broken XML', camt02.slice(0, camt02.length / 2), /not well formed/],
    ['a camt.052 report', camt02.replaceAll('BkToCstmrStmt', 'BkToCstmrAcctRpt'), /not a camt\.053/],
    [
      'a camt.053 without an IBAN',
      camt02.replace(/<IBAN>BG45[^<]*<\/IBAN>/, '<Othr>1</Othr>'),
      /Acct\/Id\/IBAN/,
    ],
    ['a camt.053 with 3 decimals', camt02.replace('>120.50<', '>120.505<'), /Ntry 1: the amount .* 2 places/],
    ['a camt.053 with a negative amount', camt02.replace('>0.07<', '>-0.07<'), /Ntry 3: the amount/],
    ['a camt.053 in USD', camt02.replace('Ccy="EUR">0.07', 'Ccy="USD">0.07'), /Ntry 3: the currency/],
    ['a camt.053 batch that does not add up', camt02.replace('>50.00<', '>50.01<'), /Ntry 5: the batch/],
    [
      'a camt.053 with a bad date',
      camt02.replace('<Dt>2026-03-02</Dt>', '<Dt>2026-02-30</Dt>'),
      /lines 1 bookedOn/,
    ],
    ['a camt.053 not booked', camt02.replace('<BookgDt><Dt>2026-03-02</Dt></BookgDt>', ''), /booking date/],
    ['an MT940 with 3 decimals', mt940With('EUR', [':61:2603020302C1,234NTRFNONREF'], '1,23'), /2 places/],
    ['an MT940 in USD', mt940With('USD', [':61:2603020302C1,00NTRFNONREF'], '1,00'), /currency/],
    [
      'an MT940 with a thousands separator',
      mt940With('EUR', [':61:2603020302C1 000,00NTRF'], '1000,00'),
      /:61:/,
    ],
    [
      'an MT940 with a bad date',
      mt940With('EUR', [':61:260230C1,00NTRFNONREF'], '1,00'),
      /lines 1 bookedOn: must be a calendar date/,
    ],
    ['an MT940 not adding up', mt940With('EUR', [':61:2603020302C1,00NTRFNONREF'], '2,00'), /do not add up/],
    ['an MT940 without a closing balance', mt940.replace(/:62F:[^\r]*\r\n/, ''), /lacks the field :62:/],
    // nested past what the parser allows, or an element named like a prototype: the parser's own Error
    [
      'a camt.053 nested too deep',
      camt02.replace('<Ustrd>', `${'<X>'.repeat(200)}${'</X>'.repeat(200)}<Ustrd>`),
      /^the XML cannot be read as a bank statement$/,
    ],
    [
      'a camt.053 with a <__proto__> element',
      camt02.replace('<Ustrd>', '<__proto__><Ustrd>1</Ustrd></__proto__><Ustrd>'),
      /^the XML cannot be read as a bank statement$/,
    ],
    [
      'a camt.053 with a <constructor> element',
      camt02.replace('<Ustrd>', '<constructor>1</constructor><Ustrd>'),
      /^the XML cannot be read as a bank statement$/,
    ],
  ];
  for (const [what, content, message] of refused) {
    t.throws(() => parseBankStatement(content), unreadable(message), what);
  }
});

t.test('lines of a zero amount move no money: they are left out, the rest of the file read', async (t) => {
  const mt940Zero = mt940With(
    'EUR',
    [':61:2603020302C0,NTRFNONREF', ':61:2603020302C1,00NTRFNONREF//000001'],
    '1,00',
  );
  t.match(
    parseBankStatement(mt940Zero).statements[0]!.lines,
    [{ amount: eur(100), bankReference: '000001' }],
    'MT940',
  );
  t.equal(parseBankStatement(mt940Zero).statements[0]!.lines.length, 1);
  const camtZero = camtOf(`
    <Ntry><Amt Ccy="EUR">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-03-02</Dt></BookgDt></Ntry>
    <Ntry><Amt Ccy="EUR">5.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-03-02</Dt></BookgDt></Ntry>`);
  t.same(
    parseBankStatement(camtZero).statements[0]!.lines.map((l) => l.amount),
    [eur(500)],
    'camt.053',
  );
});

t.test('an unreadable file’s message never quotes what the file holds', async (t) => {
  const fields = [
    ':61:2603020302C1 000,00NTRFNONREF',
    'ИВАН ТЕСТОВ',
    ':86:ИВАН ТЕСТОВ BG88FAKE96611012345678',
  ];
  const message = (() => {
    try {
      parseBankStatement(mt940With('EUR', fields, '1000,00'));
      return 'read';
    } catch (error) {
      return error instanceof Error ? error.message : '';
    }
  })();
  t.match(message, /^MT940: a :61: field cannot be read$/);
  t.notMatch(message, /ТЕСТОВ|BG88|1 000/);
});
