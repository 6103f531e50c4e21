import type { Db } from '@casework/eventstore';
import { eventually, type requestsAs } from '@casework/testkit';
import { sql } from 'kysely';

type Requests = ReturnType<typeof requestsAs>;

/** Waits until billing has consumed at least `count` events of the type about the client. */
export async function billingLearned(db: Db, clientId: string, type: string, count = 1): Promise<boolean> {
  const learned = await eventually(async () => {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM billing.inputs
      WHERE client_id = ${clientId}::uuid AND type = ${type}`.execute(db);
    return rows[0]!.n >= count ? true : undefined;
  });
  return learned === true;
}

/** A client's statement of a month as the list shows it, once the read model has exactly one. */
export function listedStatement(
  bill: Requests,
  clientId: string,
  month: string,
): Promise<{ statementId: string; paymentReference: string } | undefined> {
  return eventually(async () => {
    const r = await bill.get(`/v1/billing/statements?month=${month}&clientId=${clientId}`);
    return r.statusCode === 200 && r.json().items.length === 1 ? r.json().items[0] : undefined;
  });
}
