import { StatementRecord } from '@casework/contracts';
import t from 'tap';
import { statementDocument } from '../src/documents/fromStatement.js';

// Given a statement's record, when it is laid out for print, then each line says in Bulgarian why it
// is what it is: the fee's basis, or the full cost and why.

const example = StatementRecord.parse((StatementRecord.meta() as { example: unknown }).example);
const line = example.lines[0]!;

t.test('an income share prints its percentage', async (t) => {
  const doc = statementDocument(example, new Map([[line.siteId, 'Защитено жилище 1']]));
  t.match(doc.lines[0]?.basis, /^70% от/);
});

t.test('the full cost prints as the full cost, with its reason, not as a share of income', async (t) => {
  const fullCost = {
    ...example,
    lines: [
      {
        ...line,
        fullCost: { reason: 'savings' as const, eventId: '0190a3c2-d2a3-74b5-86c7-92a3b4c5d6e7' },
        incomeFactIds: [],
      },
    ],
  };
  const basis = statementDocument(fullCost, new Map()).lines[0]?.basis ?? '';
  t.match(basis, /^пълната действителна месечна издръжка \(спестявания над прага\)/);
  t.notMatch(basis, /от дохода/);
});
