// Three instances of each service under steady load for 30 s, one killed every few seconds and
// restarted: afterwards every read model equals a rebuild from zero.
import t from 'tap';
import { runScenario } from './harness.js';

// tap's default per-file timeout is 240 s: each scenario stays well inside it
t.setTimeout(235_000);

t.test('instances: three instances of each service, one killed every 3 s', (t) =>
  runScenario(t, { name: 'instances', perService: 3, loadMs: 30_000, killEveryMs: 3_000 }),
);
