import type { Db, Tx } from '@casework/eventstore';

/**
 * A transaction that runs `work`, then stays open until `commit()`: a slow writer, a consumer caught in
 * the middle of its batch. `didWork` resolves once `work` is done (or has failed: `done` rejects then).
 */
export function heldTransaction(db: Db, work: (tx: Tx) => Promise<unknown>) {
  let commit!: () => void;
  const committing = new Promise<void>((r) => {
    commit = r;
  });
  let worked!: () => void;
  const didWork = new Promise<void>((r) => {
    worked = r;
  });
  const done = db.transaction().execute(async (tx) => {
    await work(tx);
    worked();
    await committing;
  });
  done.catch(() => worked());
  return { didWork, commit, done };
}
