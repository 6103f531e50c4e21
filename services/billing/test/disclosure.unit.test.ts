import t from 'tap';
import { withheld } from '../src/domain/disclosure.js';

const rows = (...clients: number[]) => clients.map((c) => ({ clients: c }));

t.test('rows of enough clients are shown, with their total', async (t) => {
  t.same(withheld(rows(3, 10), { clients: 13 }, 3), { rows: [false, false], total: false });
});

t.test(
  'a small row is withheld, and the next smallest with it so the total does not give it away',
  async (t) => {
    t.same(withheld(rows(12, 2, 5, 40), { clients: 59 }, 3), {
      rows: [false, true, true, false],
      total: false,
    });
  },
);

t.test('two small rows of fewer clients together than the minimum take a third with them', async (t) => {
  // 1 + 1 = 2 < 3: the total less the 30 would be two people's figures
  t.same(withheld(rows(1, 1, 30, 40), { clients: 72 }, 3), { rows: [true, true, true, false], total: false });
});

t.test('small rows already enough together withhold nothing more', async (t) => {
  t.same(withheld(rows(1, 2, 30), { clients: 33 }, 3), { rows: [true, true, false], total: false });
});

t.test('a small total is withheld with every row', async (t) => {
  t.same(withheld(rows(2), { clients: 2 }, 3), { rows: [true], total: true });
  t.same(withheld(rows(1, 4), { clients: 5 }, 6), { rows: [true, true], total: true });
});
