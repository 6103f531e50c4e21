import { randomUUID } from 'node:crypto';
import { addDays } from '@casework/contracts';
import type { RecordedEvent, Tx } from '@casework/eventstore';
import { testApp } from '@casework/testkit';
import fc from 'fast-check';
import { sql } from 'kysely';
import t from 'tap';
import { placement } from '../src/index.js';
import { occupancyByDay } from '../src/projections/siteQueries.js';
import { sitesProjection } from '../src/projections/sites.js';
import { staysProjection } from '../src/projections/stays.js';

const START = '2026-01-01';
const DAYS = 120;
const siteId = '5a000000-0000-4000-8000-000000000001';
const ref = { siteId, serviceType: 'protected_housing', municipality: 'BLG01' } as const;
const id = (n: number) => `0a000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

type Stay = { from: number; to: number | undefined; renewed: boolean };
type Change = { from: number; places: number };

/** A site's history: stays (some ended, maybe recorded long after) and capacity changes on distinct days. */
const history = fc.record({
  places: fc.integer({ min: 0, max: 6 }),
  stays: fc.array(
    fc
      .record({
        from: fc.integer({ min: 0, max: DAYS - 1 }),
        length: fc.option(fc.integer({ min: 0, max: DAYS })),
        renewed: fc.boolean(),
      })
      .map(
        ({ from, length, renewed }): Stay => ({
          from,
          to: length === null ? undefined : from + length,
          renewed,
        }),
      ),
    { maxLength: 10 },
  ),
  changes: fc.uniqueArray(
    fc.record({ from: fc.integer({ min: 1, max: DAYS - 1 }), places: fc.integer({ min: 0, max: 6 }) }),
    { selector: (c) => c.from, maxLength: 3 },
  ),
  seed: fc.integer(),
});

type Event = { type: string; data: object; key?: string; after?: string };

function eventsOf(h: { places: number; stays: Stay[]; changes: Change[] }): Event[] {
  const day = (n: number) => addDays(START, n);
  const out: Event[] = [];
  h.stays.forEach((s, i) => {
    const stay = { clientId: id(100 + i), placementId: id(i), ...ref, kind: 'residential' };
    const termEnd = day(s.from + 365);
    out.push({
      type: 'Admitted',
      data: { ...stay, on: day(s.from), termEnd, basis: 'offer' },
      key: `stay-${i}`,
    });
    if (s.renewed)
      out.push({
        type: 'TermRenewed',
        data: {
          ...stay,
          reviewedOn: day(s.from),
          previousTermEnd: termEnd,
          termEnd: day(s.from + 730),
          renewal: 1,
        },
        key: `renewed-${i}`,
        after: `stay-${i}`,
      });
    if (s.to !== undefined)
      out.push({
        type: 'Discharged',
        data: { ...stay, on: day(s.to), reason: 'own_request', destination: { kind: 'unknown' } },
        after: s.renewed ? `renewed-${i}` : `stay-${i}`,
      });
  });
  for (const c of h.changes)
    out.push({ type: 'CapacityChanged', data: { ...ref, from: day(c.from), places: c.places, previous: 0 } });
  return out;
}

/** A recording order: any shuffle in which each discharge comes after its admission. */
function recordingOrder(events: Event[], seed: number): Event[] {
  let x = seed >>> 0 || 1;
  const random = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const shuffled = events
    .map((e) => ({ e, r: random() }))
    .sort((a, b) => a.r - b.r)
    .map((x) => x.e);
  const out: Event[] = [];
  const waiting = new Map<string, Event>();
  // an event waits for the one it follows; recording one releases its follower, and that one's
  const record = (e: Event) => {
    out.push(e);
    const next = e.key ? waiting.get(e.key) : undefined;
    if (next) record(next);
  };
  for (const e of shuffled) {
    if (e.after && !out.some((o) => o.key === e.after)) waiting.set(e.after, e);
    else record(e);
  }
  return out;
}

/** What the ledger must say, worked out directly from the history. */
function expected(h: { places: number; stays: Stay[]; changes: Change[] }) {
  return Array.from({ length: DAYS }, (_, d) => {
    const change = [...h.changes]
      .sort((a, b) => a.from - b.from)
      .filter((c) => c.from <= d)
      .at(-1);
    const places = change ? change.places : h.places;
    const occupied = h.stays.filter((s) => s.from <= d && (s.to === undefined || d < s.to)).length;
    return { date: addDays(START, d), places, occupied, vacancies: Math.max(0, places - occupied) };
  });
}

/** Each stay's record as it must stand: its term (renewed or not) and its end. */
const expectedRecords = (h: { stays: Stay[] }) =>
  h.stays.map((s, i) => ({
    placement_id: id(i),
    term_end: addDays(START, s.from + (s.renewed ? 730 : 365)),
    valid_to: s.to === undefined ? null : addDays(START, s.to),
  }));

t.test(
  'occupancy rebuilt from zero equals occupancy kept up event by event, whatever the recording order',
  async (t) => {
    const h = await testApp(t, [placement]);
    const ctx = h.app.hosted[0]!.ctx;
    // the two read models occupancy is counted from: the site's capacity and the stays
    const models = [sitesProjection(ctx.store.schema), staysProjection(ctx.store.schema)];
    const projection = {
      reset: async (tx: Tx) => {
        for (const m of models) await m.reset(tx);
      },
      applyBatch: async (events: RecordedEvent[], tx: Tx) => {
        for (const m of models) {
          const mine = events.filter((e) => m.handles.includes(e.type));
          if (mine.length === 0) continue;
          if (m.applyBatch) await m.applyBatch(mine, tx);
          else for (const e of mine) await m.apply(e, tx);
        }
      },
    };
    let clock = Date.parse('2026-06-01T00:00:00Z');
    const record = (e: Event): RecordedEvent => {
      clock += 1000;
      return {
        ...e,
        eventId: randomUUID(),
        recordedAt: new Date(clock).toISOString(),
      } as unknown as RecordedEvent;
    };
    const opened = {
      type: 'SiteOpened',
      data: {
        ...ref,
        name: 'Synthetic',
        address: 'Synthetic street',
        provider: 'Synthetic',
        funding: 'municipal',
      },
    };
    const read = async () => ({
      days: await occupancyByDay(
        ctx,
        siteId,
        START,
        addDays(START, DAYS - 1),
        new Date(clock + 1000).toISOString(),
      ),
      records: (
        await sql<{ placement_id: string }>`SELECT placement_id::text, term_end::text, valid_to::text
          FROM ${sql.id(ctx.store.schema, 'stays')} WHERE superseded_at IS NULL ORDER BY placement_id`.execute(
          ctx.store.db,
        )
      ).rows,
    });

    let runs = 0;
    await fc.assert(
      fc.asyncProperty(history, async (hist) => {
        runs++;
        const events = eventsOf(hist);
        const open = { ...opened, data: { ...opened.data, openedOn: START, places: hist.places } };
        await ctx.store.db.transaction().execute((tx) => projection.reset(tx));
        // kept up: one transaction per event, in one recording order
        for (const e of [open, ...recordingOrder(events, hist.seed)])
          await ctx.store.db.transaction().execute((tx) => projection.applyBatch!([record(e)], tx));
        const incremental = await read();
        // rebuilt: from zero in one batch, in another recording order
        await ctx.store.db.transaction().execute(async (tx) => {
          await projection.reset(tx);
          await projection.applyBatch!(
            [open, ...recordingOrder(events, hist.seed ^ 0x5bd1e995)].map(record),
            tx,
          );
        });
        const rebuilt = await read();
        const want = { days: expected(hist), records: expectedRecords(hist) };
        return (
          JSON.stringify(incremental) === JSON.stringify(want) &&
          JSON.stringify(rebuilt) === JSON.stringify(want)
        );
      }),
      { numRuns: 40 },
    );
    t.equal(runs, 40, 'forty generated histories, each agreeing with the direct count and records');
  },
);
