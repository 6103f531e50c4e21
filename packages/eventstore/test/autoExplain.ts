import pg from 'pg';
import type { Test } from 'tap';

/**
 * A connection whose every statement's plan, nested ones (inside functions) too, comes back as a notice
 * and lands in `plans`: what PostgreSQL ran, custom or generic, as it ran it.
 */
export async function explainingClient(t: Test, url: string): Promise<{ c: pg.Client; plans: string[] }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  t.teardown(() => c.end().catch(() => {}));
  const plans: string[] = [];
  c.on('notice', (n) => plans.push(n.message ?? ''));
  await c.query(`LOAD 'auto_explain'`);
  await c.query(`SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on;
    SET auto_explain.log_level = notice`);
  return { c, plans };
}
