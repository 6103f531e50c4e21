import { randomUUID } from 'node:crypto';
import { billing } from '@casework/billing';
import { StayPlace } from '@casework/contracts';
import type { IncomingEvent } from '@casework/messaging';
import { heldTransaction, requestsAs } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { intakeInputs, placementInputs } from '../../services/billing/src/consumers/inputs.js';
import { serviceContext, setUp } from '../placement/harness.js';
import { admitWithPension, costSite, listedStatement } from './waits.js';

// Billing numbers its inputs when a consumer writes them, not when they commit. Here billing's consumer
// of placement's events writes a backdated discharge and its transaction stays open, while the consumer
// of intake's events writes and commits a later input of the same client; December is stated in
// between; only then does the discharge commit. January's run must still correct December for it.
// The two consumers' handlers run in transactions this test holds (as their followers would run them,
// with JetStream's delivery itself left out: a transaction held open holds every relay back). Today is
// 2027-02-03 for the whole platform.
const offset = Date.parse('2027-02-03T08:00:00Z') - Date.now();

t.test('an input written before the last one a run read, committed after it, still adjusts', async (t) => {
  const clock = () => new Date(Date.now() + offset);
  const p = await setUp(t, { clock, also: [billing] });
  const db = p.database.db;
  const officer = await p.as(['billing_officer'], { municipality: 'BLG01' }, 'billing-bansko');
  const bill = requestsAs(p.app, officer);
  const siteId = await p.openSite('protected_housing', 8);
  t.equal(await costSite(bill, siteId, 150_000), 200, 'the site costs €1,500.00 a month');
  const clientId = await p.register(61);
  const placementId = await admitWithPension(p, clientId, siteId, '2026-12-10', 60_000);
  if (!placementId) throw new Error('billing never learned of the admission');

  const ctx = serviceContext(p, 'billing', clock);
  const incoming = (source: string, type: string, data: object): IncomingEvent => {
    const eventId = randomUUID();
    return {
      eventId,
      type,
      source,
      data,
      metadata: {
        specversion: '1.0',
        id: eventId,
        type: `casework.${source}.${type}.v1`,
        source,
        subject: clientId,
        time: clock().toISOString(),
        correlationid: eventId,
      },
    };
  };
  const { rows: admission } = await sql<{ data: object }>`SELECT data FROM billing.inputs
    WHERE client_id = ${clientId}::uuid AND type = 'Admitted'`.execute(db);
  const discharge = incoming('placement', 'Discharged', {
    clientId,
    ...StayPlace.parse(admission[0]!.data),
    on: '2026-12-20',
    reason: 'returned_to_family',
    destination: { kind: 'family_home' },
  });
  const raise = incoming('intake', 'IncomeDeclared', {
    clientId,
    factId: randomUUID(),
    validFrom: '2027-01-01',
    source: 'pension',
    monthlyAmount: { amountMinor: 61_000, currency: 'EUR' },
  });

  const late = heldTransaction(db, (tx) => placementInputs(ctx).handle(discharge, tx));
  await late.didWork;
  await db.transaction().execute((tx) => intakeInputs(ctx).handle(raise, tx));
  /** The seq of each of the two inputs that is committed. */
  const numbered = async () => {
    const { rows } = await sql<{ event_id: string; seq: string }>`SELECT event_id::text, seq::text
      FROM billing.inputs WHERE event_id = ANY(${[discharge.eventId, raise.eventId]}::uuid[])`.execute(db);
    return Object.fromEntries(
      rows.map((r) => [r.event_id === discharge.eventId ? 'discharge' : 'raise', Number(r.seq)]),
    );
  };
  t.same(
    Object.keys(await numbered()),
    ['raise'],
    'the raise is committed; the discharge, written before it, is not',
  );
  // December stated without the discharge: in service 10–31 = 22 days, 70% of €600.00 = €420.00
  // × 22 ÷ 31 = 298.064… → €298.06
  const december = await bill.post('/v1/billing/periods/BLG01/2026-12/statements', {});
  t.match(december.json(), { statements: 1, assessed: { amountMinor: 29_806 } });

  late.commit();
  await late.done;
  const seqs = await numbered();
  t.ok(
    seqs.discharge! < seqs.raise!,
    'the discharge committed after the run, numbered before the raise it read',
  );

  // in service 10–19 = 10 days: €420.00 × 10 ÷ 31 = 135.483… → €135.48; −€162.58 on January's statement
  const january = await bill.post('/v1/billing/periods/BLG01/2027-01/statements', {});
  t.match(january.json(), { statements: 1, adjustments: 1 });
  const statement = await listedStatement(bill, clientId, '2027-01');
  const detail = (await bill.get(`/v1/billing/statements/${statement!.statementId}`)).json();
  t.match(detail.adjustments, [
    {
      correctsMonth: '2026-12',
      placementId,
      billed: { amountMinor: 29_806 },
      corrected: { amountMinor: 13_548 },
      amount: { amountMinor: -16_258 },
    },
  ]);
  t.equal(detail.adjustments[0].causedBy.includes(discharge.eventId), true, 'caused by the discharge');
});
