// Two instances of every service, 40 s of mixed load, a random instance SIGKILLed every 5 s and
// restarted, a projection rebuild while it runs: afterwards every read model follows its source log.
import t from 'tap';
import { FAULT_FILE_TIMEOUT_MS, runScenario } from './harness.js';

t.setTimeout(FAULT_FILE_TIMEOUT_MS);

t.test('operator: two instances of each service, one SIGKILLed every 5 s', (t) =>
  runScenario(t, {
    name: 'operator',
    perService: 2,
    loadMs: 40_000,
    killEveryMs: 5_000,
    rebuildAfterMs: 15_000,
  }),
);
