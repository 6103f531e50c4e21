// Two instances of every service, 40 s of mixed load, a random instance SIGKILLed every 5 s and
// restarted, a projection rebuild while it runs: afterwards every read model follows its source log.
import t from 'tap';
import { runScenario } from './harness.js';

// tap's default per-file timeout is 240 s: each scenario stays well inside it
t.setTimeout(235_000);

t.test('operator: two instances of each service, one SIGKILLed every 5 s', (t) =>
  runScenario(t, {
    name: 'operator',
    perService: 2,
    loadMs: 40_000,
    killEveryMs: 5_000,
    rebuildAfterMs: 15_000,
  }),
);
