import type { Fact } from '@casework/contracts';
import type { RecordedEvent } from '@casework/eventstore';
import { type FactEvent, KIND_OF } from '../domain/facts.js';

export type StoredFact = Omit<Fact, 'supersededBy' | 'retracted'> & {
  variant: string;
  supersededBy?: string;
  supersededAt?: string;
  retractedAt?: string;
};

/**
 * What was known at `knownAt` and in force on `asOf`. A fact counts when it was recorded by then and
 * neither corrected nor retracted by then; of the facts of one kind (and, for incomes, of one person and
 * source; for client groups, of one group) whose period covers the date, the one with the latest
 * `validFrom` wins (then the later recorded).
 */
export function factsAsOf(all: readonly StoredFact[], asOf: string, knownAt: string) {
  const at = Date.parse(knownAt);
  const known = (iso?: string) => iso !== undefined && Date.parse(iso) <= at;
  const history = all
    .filter((f) => known(f.recordedAt))
    .map(
      (f): Fact => ({
        factId: f.factId,
        clientId: f.clientId,
        kind: f.kind,
        validFrom: f.validFrom,
        ...(f.validTo ? { validTo: f.validTo } : {}),
        data: f.data,
        recordedAt: f.recordedAt,
        ...(f.supersedes ? { supersedes: f.supersedes } : {}),
        ...(known(f.supersededAt) ? { supersededBy: f.supersededBy! } : {}),
        retracted: known(f.retractedAt),
      }),
    );
  const variantOf = new Map(all.map((f) => [f.factId, f.variant]));
  const winners = new Map<string, Fact>();
  for (const f of history) {
    if (f.supersededBy || f.retracted) continue;
    if (f.validFrom > asOf || (f.validTo !== undefined && f.validTo < asOf)) continue;
    const group = `${f.kind}:${variantOf.get(f.factId)}`;
    const best = winners.get(group);
    const later =
      !best ||
      f.validFrom > best.validFrom ||
      (f.validFrom === best.validFrom && f.recordedAt > best.recordedAt);
    if (later) winners.set(group, f);
  }
  const order = (a: Fact, b: Fact) => a.kind.localeCompare(b.kind) || a.validFrom.localeCompare(b.validFrom);
  return { inForce: [...winners.values()].sort(order), history: history.sort(order) };
}

/**
 * Folds a client's facts streams into every fact with its recording, correction and retraction times
 * (bitemporal): read straight from the streams, so a fact is visible as soon as it is recorded.
 */
export function storedFacts(events: readonly RecordedEvent[]): StoredFact[] {
  const facts = new Map<string, StoredFact>();
  for (const event of events) {
    const e = { type: event.type, data: event.data } as FactEvent;
    switch (e.type) {
      case 'IncomeDeclared':
      case 'DisabilityAssessed':
      case 'DwellingOwnershipRecorded':
      case 'SavingsDeclared':
      case 'DwellingDisposed':
      case 'ClientGroupRecorded':
      case 'SchoolEnrolmentRecorded':
      case 'ConsentRecorded': {
        const { clientId, factId, validFrom, validTo, supersedes, ...data } = e.data;
        facts.set(factId, {
          factId,
          clientId,
          kind: KIND_OF[e.type],
          // incomes stand side by side per person and source, client groups per group
          variant:
            e.type === 'IncomeDeclared'
              ? `${e.data.memberId ?? 'client'}:${e.data.source}`
              : e.type === 'ClientGroupRecorded'
                ? e.data.group
                : '',
          validFrom,
          ...(validTo ? { validTo } : {}),
          data,
          recordedAt: event.recordedAt,
          ...(supersedes ? { supersedes } : {}),
        });
        const old = supersedes ? facts.get(supersedes) : undefined;
        if (old) facts.set(old.factId, { ...old, supersededBy: factId, supersededAt: event.recordedAt });
        break;
      }
      case 'DisabilityDecisionRecorded': {
        const { clientId: _, factId, ...decision } = e.data;
        const f = facts.get(factId);
        if (f) facts.set(factId, { ...f, data: { ...f.data, ...decision } });
        break;
      }
      case 'FactRetracted': {
        const f = facts.get(e.data.factId);
        if (f) facts.set(f.factId, { ...f, retractedAt: event.recordedAt });
        break;
      }
      default:
        break;
    }
  }
  return [...facts.values()];
}
