import { billingEvents } from '@casework/contracts';
import type { RecordedEvent } from '@casework/eventstore';
import { byName } from '@casework/service-kit';

/** Billing's event definitions by name, for appends. */
export const definitions = byName(billingEvents);

export const tariffStream = (tariffId: string) => `tariff-${tariffId}`;
export const siteCostStream = (siteId: string) => `site-costs-${siteId}`;
export const accountStream = (clientId: string, municipality: string) =>
  `account-${municipality}-${clientId}`;
/** A bank statement file, by its content: the same file imported twice is one stream. */
export const bankImportStream = (municipality: string, sha256: string) =>
  `bank-import-${municipality}-${sha256}`;
export const periodStream = (municipality: string, month: string) => `period-${municipality}-${month}`;

type Evolved<S, E> = { evolve: (s: S, e: E) => S; initialState: S };
/** A stream's state, folded from events this service wrote with the decider that reads them. */
export const fold = <S, E>(d: Evolved<S, E>, events: readonly RecordedEvent[]): S =>
  events.reduce((s, e) => d.evolve(s, { type: e.type, data: e.data } as E), d.initialState);
