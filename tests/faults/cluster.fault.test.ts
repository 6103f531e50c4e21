// The platform on a 3-node NATS cluster (stream replicas 3) under load: one node SIGKILLed and
// brought back, then another, then the whole cluster down for 20 s. Nothing lost or doubled; relays and
// consumers carry on without a restart.
import { setTimeout as sleep } from 'node:timers/promises';
import { startNatsCluster } from '@casework/testkit';
import t from 'tap';
import { FAULT_FILE_TIMEOUT_MS, runScenario } from './harness.js';

t.setTimeout(FAULT_FILE_TIMEOUT_MS);

t.test(
  'cluster: a NATS node killed and brought back, then another, then all for 20 s, under load',
  async (t) => {
    const cluster = await startNatsCluster(t);
    const { fleet } = await runScenario(t, {
      name: 'cluster',
      perService: 1,
      loadMs: 55_000,
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
        // a NATS outage: commands keep succeeding, events wait in the outbox, delivery resumes after
        await sleep(3_000);
        log.push(`${new Date().toISOString()} SIGKILL every nats node`);
        for (const node of [0, 1, 2]) await cluster.kill(node);
        await sleep(20_000);
        await Promise.all([0, 1, 2].map((node) => cluster.restart(node)));
        log.push(`${new Date().toISOString()} the cluster is back, JetStream has a leader`);
      },
    });
    t.same(
      fleet.instances.map((i) => `${i.id} started ${i.starts}×`),
      fleet.instances.map((i) => `${i.id} started 1×`),
      'no service was restarted',
    );
  },
);
