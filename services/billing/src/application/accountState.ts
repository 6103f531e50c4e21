import type { Executor, Tx } from '@casework/eventstore';
import type { ServiceContext } from '@casework/service-kit';
import { ACCOUNT_CODEC, type Account, type AccountEvent, accountDecider } from '../domain/account.js';
import { accountStream } from './events.js';

/**
 * How many events may follow an account's snapshot before a new one is taken. A month's run adds two
 * or more to every account it states, so every run leaves each account it states snapshotted, and the
 * next run reads one row an account (a month's assessment is the larger part of an account's bytes).
 */
const SNAPSHOT_EVERY = 2;

export type LoadedAccount = { streamId: string; state: Account; version: number; snapshotAt: number };

/**
 * Accounts from their latest snapshots and the events after them: an account gathers a month's
 * assessment and statement every month for years, and neither a run nor a payment should fold them all.
 */
export async function loadAccounts(
  ctx: ServiceContext,
  ex: Executor,
  refs: readonly { clientId: string; municipality: string }[],
): Promise<LoadedAccount[]> {
  const ids = refs.map((r) => accountStream(r.clientId, r.municipality));
  const snapshots = await ctx.store.loadSnapshots(ids, ACCOUNT_CODEC, ex);
  const after = new Map([...snapshots].map(([id, s]) => [id, s.version]));
  const read = await ctx.store.readStreams(ids, ex, after);
  return ids.map((streamId) => {
    const snapshot = snapshots.get(streamId);
    const { events, version } = read.get(streamId)!;
    return {
      streamId,
      state: events.reduce(
        (s, e) => accountDecider.evolve(s, { type: e.type, data: e.data } as AccountEvent),
        snapshot ? (snapshot.state as Account) : accountDecider.initialState,
      ),
      version: Math.max(version, snapshot?.version ?? 0),
      snapshotAt: snapshot?.version ?? 0,
    };
  });
}

/** Snapshots the accounts that have gathered enough events since their last (in the caller's transaction). */
export async function snapshotAccountsDue(
  ctx: ServiceContext,
  tx: Tx,
  decided: readonly { loaded: LoadedAccount; state: Account; version: number }[],
): Promise<void> {
  await ctx.store.saveSnapshots(
    decided
      .filter((d) => d.version - d.loaded.snapshotAt >= SNAPSHOT_EVERY)
      .map((d) => ({
        streamId: d.loaded.streamId,
        version: d.version,
        codec: ACCOUNT_CODEC,
        state: d.state,
      })),
    tx,
  );
}
