// Three instances of each service under steady load for 30 s, one killed every few seconds and
// restarted: afterwards every read model equals a rebuild from zero.
import t from 'tap';
import { FAULT_FILE_TIMEOUT_MS, runScenario } from './harness.js';

t.setTimeout(FAULT_FILE_TIMEOUT_MS);

t.test('instances: three instances of each service, one killed every 3 s', (t) =>
  runScenario(t, { name: 'instances', perService: 3, loadMs: 30_000, killEveryMs: 3_000 }),
);
