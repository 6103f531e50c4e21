import type { RecordedEvent } from '@casework/eventstore';
import fc from 'fast-check';
import t from 'tap';
import type { FactEvent } from '../src/domain/facts.js';
import { factsAsOf, storedFacts } from '../src/views/facts.js';

const clientId = '01a205f1-7e3c-7e0e-ac7b-3391783819e5';
const id = (n: number) => `01a205f1-0000-7000-8000-${String(n).padStart(12, '0')}`;
const at = (minute: number) => new Date(Date.UTC(2026, 10, 23, 8, minute)).toISOString();

/** Recorded events as the store gives them: in order, each with its recording time. */
const recorded = (events: FactEvent[]): RecordedEvent[] =>
  events.map((e, i) => ({
    eventId: id(1000 + i),
    type: e.type,
    streamId: `facts-${clientId}`,
    streamPosition: i + 1,
    globalPosition: String(i + 1),
    transactionId: String(i + 1),
    data: e.data,
    metadata: {} as RecordedEvent['metadata'],
    recordedAt: at(i),
  }));

const disability = (n: number, validFrom: string, degreePercent: number, extra: object = {}): FactEvent => ({
  type: 'DisabilityAssessed',
  data: { clientId, factId: id(n), validFrom, degreePercent, outsideAssistanceNeeded: false, ...extra },
});

t.test('overlapping facts: the latest effective date wins on each day', async (t) => {
  const facts = storedFacts(
    recorded([disability(1, '2025-01-01', 50, { validTo: '2027-12-31' }), disability(2, '2026-06-01', 71)]),
  );
  const on = (d: string) => factsAsOf(facts, d, at(59)).inForce.map((f) => f.data.degreePercent);
  t.same(on('2024-12-31'), [], 'nothing before the first');
  t.same(on('2026-05-31'), [50]);
  t.same(on('2026-06-01'), [71], 'the newer decision from its first day');
  t.same(on('2028-06-01'), [71], 'and after the older one ends');
});

t.test('a correction never rewrites history: what we knew before it stays answerable', async (t) => {
  const facts = storedFacts(
    recorded([disability(1, '2026-01-01', 50), disability(2, '2026-01-01', 55, { supersedes: id(1) })]),
  );
  const before = factsAsOf(facts, '2026-06-01', at(0));
  const after = factsAsOf(facts, '2026-06-01', at(1));
  t.same(
    before.inForce.map((f) => f.data.degreePercent),
    [50],
    'known at the first recording: 50%',
  );
  t.same(before.history.length, 1, 'the correction was not yet known');
  t.same(
    after.inForce.map((f) => f.data.degreePercent),
    [55],
    'after the correction: 55%',
  );
  t.same(
    after.history.map((f) => [f.factId, f.supersededBy ?? null]),
    [
      [id(1), id(2)],
      [id(2), null],
    ],
    'both stay in the history, the old one marked corrected',
  );
});

t.test('a retracted fact stops counting from its retraction on', async (t) => {
  const facts = storedFacts(
    recorded([
      disability(1, '2026-01-01', 50),
      { type: 'FactRetracted', data: { clientId, factId: id(1), kind: 'disability' } },
    ]),
  );
  t.equal(factsAsOf(facts, '2026-06-01', at(0)).inForce.length, 1);
  t.equal(factsAsOf(facts, '2026-06-01', at(1)).inForce.length, 0);
  t.ok(factsAsOf(facts, '2026-06-01', at(1)).history[0]?.retracted);
});

t.test('incomes from different sources hold side by side', async (t) => {
  const income = (n: number, source: 'pension' | 'salary', amountMinor: number): FactEvent => ({
    type: 'IncomeDeclared',
    data: {
      clientId,
      factId: id(n),
      validFrom: '2026-01-01',
      source,
      monthlyAmount: { amountMinor, currency: 'EUR' },
    },
  });
  const facts = storedFacts(recorded([income(1, 'pension', 30_000), income(2, 'salary', 50_000)]));
  t.equal(factsAsOf(facts, '2026-02-01', at(59)).inForce.length, 2);
});

const day = fc
  .integer({ min: 0, max: 730 })
  .map((n) => new Date(Date.UTC(2025, 0, 1 + n)).toISOString().slice(0, 10));

t.test('property: the fact in force is the latest-starting valid one known by then', async (t) => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          from: day,
          length: fc.option(fc.integer({ min: 0, max: 400 })),
          degree: fc.integer({ min: 0, max: 100 }),
        }),
        {
          minLength: 1,
          maxLength: 12,
        },
      ),
      day,
      fc.nat(),
      (specs, asOf, cut) => {
        const events = specs.map((s, i) => {
          const validTo =
            s.length === null
              ? undefined
              : new Date(Date.parse(s.from) + s.length * 86_400_000).toISOString().slice(0, 10);
          return disability(i + 1, s.from, s.degree, validTo ? { validTo } : {});
        });
        const knownBy = cut % specs.length;
        const result = factsAsOf(storedFacts(recorded(events)), asOf, at(knownBy));
        // the oracle: among facts recorded by then whose period covers the date, latest start, then latest recorded
        const candidates = specs
          .map((s, i) => ({ ...s, i, to: (events[i]!.data as { validTo?: string }).validTo }))
          .filter((s) => s.i <= knownBy && s.from <= asOf && (s.to === undefined || s.to >= asOf));
        const best = candidates.reduce<(typeof candidates)[number] | undefined>(
          (b, c) => (!b || c.from > b.from || (c.from === b.from && c.i > b.i) ? c : b),
          undefined,
        );
        return (
          result.inForce.length === (best ? 1 : 0) && (!best || result.inForce[0]!.factId === id(best.i + 1))
        );
      },
    ),
  );
  t.pass('holds for generated facts');
});
