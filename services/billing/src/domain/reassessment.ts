import type { Month } from '@casework/contracts';
import type { Account } from './account.js';
import { monthEnd } from './billableDays.js';
import type { InputRow } from './clientFacts.js';
import { knownBy } from './knowledge.js';

const MERGES = new Set(['ClientsMerged', 'ClientsUnmerged']);

/**
 * An input can change a month only if something in it happens before the month ends. A correction
 * (`supersedes`) takes back the fact it replaces, whose dates it does not carry: it touches every month.
 */
export function touches(row: InputRow, month: Month): boolean {
  // a merge or an unmerge changes whose history every month rests on, whatever day it was made
  if (MERGES.has((row as { type: string }).type)) return true;
  if ('supersedes' in row.data && row.data.supersedes !== undefined) return true;
  const dates = Object.values(row.data).filter(
    (v): v is string => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v),
  );
  return dates.length === 0 || dates.some((d) => d < monthEnd(month));
}

/**
 * Whether a month's assessment would come out as the last statement's run left it: no input learned
 * since touches the month, and no site of the client's has a new cost setting. Tariffs are not looked at:
 * a version is published from today or later, so a month that has ended never gains one.
 */
export function unchangedSince(
  before: Account['assessedWith'],
  rows: readonly InputRow[],
  siteCostVersions: Record<string, number>,
  /** The snapshot the run asking reads inputs in. */
  now: string,
): (month: Month) => boolean {
  if (!before) return () => false;
  const costsMoved = Object.entries(siteCostVersions).some(
    ([site, version]) => (before.siteCostVersions[site] ?? 0) !== version,
  );
  if (costsMoved) return () => false;
  const known = knownBy(before, now);
  const learned = rows.filter((r) => !known(r));
  return (month) => !learned.some((r) => touches(r, month));
}
