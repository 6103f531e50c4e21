import t from 'tap';
import type { InputRow } from '../src/domain/clientFacts.js';
import { knownBy } from '../src/domain/knowledge.js';
import { unchangedSince } from '../src/domain/reassessment.js';

// Given the snapshot a run read a client's inputs in, when a later run asks which inputs it knew, then
// the answer is the snapshot's, whatever order the inputs were written in.

const row = (seq: number, tx: string | undefined, data: Record<string, unknown> = {}) =>
  ({
    seq,
    ...(tx === undefined ? {} : { tx }),
    eventId: `e${seq}`,
    type: 'IncomeDeclared',
    data: { factId: `f${seq}`, validFrom: '2026-01-01', ...data },
  }) as unknown as InputRow;
/** The snapshot of the run asking, later than every one below. */
const NOW = '300:301:';

t.test('an input written before a later one but committed after the read is not known', async (t) => {
  // transaction 105 wrote seq 7 and was still running; 106 wrote seq 8 and committed; the run read then
  const known = knownBy({ knownThrough: 8, knownAsOf: '105:107:105' }, NOW);
  t.notOk(known(row(7, '105')), 'seq 7 was not visible, though below the last seq read');
  t.ok(known(row(8, '106')));
  t.ok(known(row(3, '90')), 'committed before the oldest transaction running then');
  t.notOk(known(row(9, '107')), 'began after the snapshot');
  t.ok(known(row(1, undefined)), 'written before inputs kept their transaction');
});

t.test('a snapshot with no transaction running', async (t) => {
  const known = knownBy({ knownThrough: 4, knownAsOf: '200:200:' }, NOW);
  t.ok(known(row(4, '199')));
  t.notOk(known(row(5, '200')));
});

t.test('a run that kept no snapshot knew the inputs up to its last that do not keep theirs', async (t) => {
  const known = knownBy({ knownThrough: 8 }, NOW);
  t.ok(known(row(8, undefined)));
  t.notOk(known(row(9, undefined)), 'after the last it read');
  t.notOk(known(row(7, '105')), 'written since transactions are kept: it may have committed late');
});

t.test("a snapshot from another cluster's numbering: nothing is taken as known", async (t) => {
  // a dump restored into a new cluster numbers transactions from low again
  const known = knownBy({ knownThrough: 8, knownAsOf: '9000:9002:9000' }, '40:41:');
  t.notOk(known(row(9, '35')), 'an input written after the restore');
  t.notOk(known(row(8, undefined)));
});

t.test('a month is assessed again for an input its run did not see, even below its last seq', async (t) => {
  const site = '0193a2b4-0000-7000-8000-000000000001';
  const before = { knownThrough: 8, knownAsOf: '105:107:105', siteCostVersions: { [site]: 1 } };
  const late = row(7, '105', { validFrom: '2026-05-01' });
  const seen = row(8, '106', { validFrom: '2026-09-01' });
  const unchanged = unchangedSince(before, [late, seen], { [site]: 1 }, NOW);
  t.notOk(unchanged('2026-05'), 'the late income from May changes May');
  t.ok(unchanged('2026-04'), 'and nothing before it');
});
