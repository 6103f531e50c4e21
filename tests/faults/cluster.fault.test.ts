// The platform on a 3-node NATS cluster (stream replicas 3) under load: one node SIGKILLed and
// brought back, then another. Nothing lost or doubled; relays and consumers carry on without a restart.
import { setTimeout as sleep } from 'node:timers/promises';
import { startNatsCluster } from '@casework/testkit';
import t from 'tap';
import { runScenario } from './harness.js';

// tap's default per-file timeout is 240 s: each scenario stays well inside it
t.setTimeout(235_000);

t.test('cluster: a NATS node killed and brought back, then another, under load', async (t) => {
  const cluster = await startNatsCluster(t);
  const { fleet } = await runScenario(t, {
    name: 'cluster',
    perService: 1,
    loadMs: 35_000,
    nats: { url: cluster.url, replicas: 3 },
    during: async (log) => {
      for (const node of [0, 2]) {
        await sleep(5_000);
        log.push(`${new Date().toISOString()} SIGKILL nats node ${node}`);
        await cluster.kill(node);
        await sleep(6_000);
        await cluster.restart(node);
        log.push(`${new Date().toISOString()} nats node ${node} back, JetStream has a leader`);
      }
    },
  });
  t.same(
    fleet.instances.map((i) => `${i.id} started ${i.starts}×`),
    fleet.instances.map((i) => `${i.id} started 1×`),
    'no service was restarted',
  );
});
