import { createInterface } from 'node:readline/promises';
import type { Principal } from '@casework/service-kit';
import type { FastifyInstance } from 'fastify';
import { isEmpty, seedDemo } from './seed.js';

/**
 * On an empty store, offers the demo (DOMAIN §9): seeds it when asked with `--demo`, asks on a
 * terminal, and otherwise says how to get it. A store with anything in it is never touched.
 */
export async function offerDemo(
  app: FastifyInstance,
  token: (p: Principal) => Promise<string>,
  asked: boolean,
): Promise<void> {
  const hosts = (name: string) => app.hasRoute({ method: 'GET', url: name });
  if (!hosts('/v1/sites') || !hosts('/v1/clients/:clientId')) return; // the demo needs intake and placement
  const reader = await token({ sub: 'demo-check', roles: ['case_manager'], municipality: 'BLG01' });
  if (!(await isEmpty(app, reader))) return;
  let seed = asked;
  if (!seed && process.stdin.isTTY) {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    const answer = await rl.question(
      'The store is empty. Seed the demo (Bansko and Montana: 32 sites, about 450 synthetic people)? [y/N] ',
    );
    rl.close();
    seed = /^y(es)?$/i.test(answer.trim());
  }
  if (!seed) {
    if (!process.stdin.isTTY) console.log('  The store is empty: `pnpm start -- --demo` seeds the demo.');
    return;
  }
  console.log('  Seeding the demo through the API (a minute or two)…');
  // its thousands of requests would bury the progress lines: the request log is quiet until it is done
  const level = app.log.level;
  if (['trace', 'debug', 'info'].includes(level)) app.log.level = 'warn';
  const started = Date.now();
  const ticker = setInterval(
    () => console.log(`    … ${Math.round((Date.now() - started) / 1000)} s`),
    15_000,
  ).unref();
  const summary = await seedDemo(app, { token, log: (line) => console.log(`    ${line}`) }).catch(
    (e: Error) => {
      // the platform keeps running with what was seeded; the store is no longer empty, so no second try
      console.error(`  The demo stopped: ${e.message}`);
      return undefined;
    },
  );
  clearInterval(ticker);
  app.log.level = level;
  if (!summary) return;
  console.log(
    `  Demo ready: ${summary.sites} sites, ${summary.clients} people, ${summary.admitted} admitted, ` +
      `${summary.transferred} moved to special-status flats, ${summary.discharged} discharged, ${summary.offers} open offers, ` +
      `${summary.statements} statements of the last four months (${summary.payments} paid)`,
  );
}
