import type { Db } from '@casework/eventstore';
import { eventually, type requestsAs } from '@casework/testkit';
import { sql } from 'kysely';
import type { Placement } from '../placement/harness.js';

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

/** Sets a site's monthly cost from January 2026 (once billing knows the site); the answer's status. */
export async function costSite(
  bill: Requests,
  siteId: string,
  monthlyCost: number,
): Promise<number | undefined> {
  const r = await eventually(async () => {
    const put = await bill.put(`/v1/billing/sites/${siteId}/costs/2026-01`, {
      monthlyCost: { amountMinor: monthlyCost, currency: 'EUR' },
    });
    return put.statusCode === 200 ? put : undefined;
  });
  return r?.statusCode;
}

/** Waits until billing's client directory has `duplicate` merged into `into` (null: standing alone). */
export async function directoryMergedInto(db: Db, duplicate: string, into: string | null): Promise<boolean> {
  const seen = await eventually(async () => {
    const { rows } = await sql<{ merged_into: string | null }>`SELECT merged_into::text FROM
      billing.client_directory WHERE client_id = ${duplicate}::uuid`.execute(db);
    return rows[0] && rows[0].merged_into === into ? true : undefined;
  });
  return seen === true;
}

/** A supervisor merges `duplicate` into `survivor` in intake, or (`undo`) undoes that merge; the answer. */
export function mergeRecords(p: Placement, survivor: string, duplicate: string, undo = false) {
  const reason = 'registered twice (synthetic case)';
  return undo
    ? p.post(`/v1/clients/${survivor}/unmerge`, { mergedId: duplicate, reason }, p.supervisor)
    : p.post(`/v1/clients/${survivor}/merge`, { duplicateId: duplicate, reason }, p.supervisor);
}

/**
 * Gives a registered client a pension from 2026 (euro cents a month), makes them eligible for the site's
 * protected housing and admits them on `on`; the placement's id once billing has learned of the admission.
 */
export async function admitWithPension(
  p: Placement,
  clientId: string,
  siteId: string,
  on: string,
  pension: number,
): Promise<string | undefined> {
  const income = await p.post(`/v1/clients/${clientId}/facts/incomes`, {
    validFrom: '2026-01-01',
    source: 'pension',
    monthlyAmount: { amountMinor: pension, currency: 'EUR' },
  });
  if (income.statusCode !== 201) throw new Error(`income refused: ${income.body}`);
  await p.makeEligible(clientId, 'protected_housing');
  const admitted = await p.admit(clientId, siteId, on);
  if (admitted.statusCode !== 201) throw new Error(`admission refused: ${admitted.body}`);
  return (await billingLearned(p.database.db, clientId, 'Admitted'))
    ? (admitted.json().placementId as string)
    : undefined;
}

/** A platform clock that stands at 08:00 UTC of a day until moved to another (`setToday`). */
export function settableClock(day: string) {
  let now = Date.parse(`${day}T08:00:00Z`);
  return {
    clock: () => new Date(now),
    setToday: (next: string) => {
      now = Date.parse(`${next}T08:00:00Z`);
    },
  };
}
