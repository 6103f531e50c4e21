import type { InputRow } from './clientFacts.js';

/**
 * What a run knew of a client's inputs: the last input it read (`knownThrough`) and the snapshot it read
 * them in (`knownAsOf`, PostgreSQL's `pg_snapshot` text `xmin:xmax:xip,…`). Runs before snapshots were
 * kept have only `knownThrough`.
 */
export type Knowledge = { knownThrough: number; knownAsOf?: string };

const xmaxOf = (snapshot: string) => BigInt(snapshot.split(':')[1]!);

/**
 * Whether a run knew an input, asked by a run reading in the snapshot `now`. `seq` is taken when an input
 * is written, not when it commits, so an input numbered below the last one a run read may have
 * committed after the run read: only the snapshot tells.
 * - An input without `tx` was written before inputs kept it: before every run that kept a snapshot.
 * - A run that kept no snapshot knew no input written since they are kept (a run of the code before,
 *   during a rolling deploy, may have read some: reassessing them again changes no charge).
 * - A snapshot from past `now`'s is another cluster's (a restored dump numbers transactions afresh):
 *   its run is taken to have known nothing, and everything is reassessed.
 */
export function knownBy(k: Knowledge, now: string): (row: InputRow) => boolean {
  if (k.knownAsOf === undefined) return (row) => row.tx === undefined && row.seq <= k.knownThrough;
  if (xmaxOf(k.knownAsOf) > xmaxOf(now)) return () => false;
  const [xmin, xmax, inProgress] = k.knownAsOf.split(':');
  const min = BigInt(xmin!);
  const max = BigInt(xmax!);
  const running = new Set(inProgress ? inProgress.split(',') : []);
  return (row) => {
    if (row.tx === undefined) return true;
    const tx = BigInt(row.tx);
    return tx < min || (tx < max && !running.has(row.tx));
  };
}
