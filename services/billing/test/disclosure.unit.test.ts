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

t.test('two small rows already hide each other; nothing more is withheld', async (t) => {
  t.same(withheld(rows(1, 2, 30), { clients: 33 }, 3), { rows: [true, true, false], total: false });
});

t.test('a single small row with nothing to pair it with leaves only a total that is small too', async (t) => {
  t.same(withheld(rows(2), { clients: 2 }, 3), { rows: [true], total: true });
});

t.test('a small total is withheld, and then one small row needs no partner', async (t) => {
  t.same(withheld(rows(1, 1), { clients: 2 }, 3), { rows: [true, true], total: true });
  t.same(withheld(rows(1, 4), { clients: 5 }, 6), { rows: [true, true], total: true });
});
