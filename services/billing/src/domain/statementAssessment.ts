import type { AssessmentLine, Month } from '@casework/contracts';
import { type Account, chargedPlacements, type Reassessment } from './account.js';
import { assessMonth, type Lookups } from './assessMonth.js';
import type { ClientFacts, InputRow } from './clientFacts.js';
import { knownBy } from './knowledge.js';
import { touches, unchangedSince } from './reassessment.js';

export type StatementAssessment = {
  lines: AssessmentLine[];
  reassessed: Reassessment[];
  /** The version of each of the client's sites' cost settings used. */
  siteCostVersions: Record<string, number>;
};

/** A site's cost setting as recorded: the version of its stream that set it, from a month on. */
export type SiteCostChange = { version: number; from: Month; eventId: string };

/**
 * What a client's statement of a month rests on, with everything known now: the month's lines, and the
 * months stated before (or closed with stays but no statement) assessed again, unless nothing they rest
 * on changed since the last statement's run assessed them, each with the inputs learned since.
 */
export function assessStatement(o: {
  municipality: string;
  month: Month;
  /** The client's inputs in the order billing wrote them; `facts` is their fold. */
  rows: readonly InputRow[];
  /** The snapshot `rows` were read in. */
  knownAsOf: string;
  facts: ClientFacts;
  account: Account;
  lookback: readonly Month[];
  closed: ReadonlySet<Month>;
  siteCostVersions: ReadonlyMap<string, number>;
  siteCostChanges?: ReadonlyMap<string, readonly SiteCostChange[]>;
  lookups: Lookups;
}): StatementAssessment {
  const { account, rows, facts } = o;
  const siteCostVersions = Object.fromEntries(
    facts.stays
      .filter((s) => s.municipality === o.municipality)
      .map((s) => [s.siteId, o.siteCostVersions.get(s.siteId) ?? 0]),
  );
  const unchanged = unchangedSince(account.assessedWith, rows, siteCostVersions, o.knownAsOf);
  /** The cost settings of the client's sites reaching month `m` that the last run did not know. */
  const costsSetSince = (m: Month) => {
    const knew = account.assessedWith?.siteCostVersions;
    if (!knew) return []; // a run that kept no versions: what it knew of costs is not known
    return Object.keys(siteCostVersions).flatMap((siteId) =>
      (o.siteCostChanges?.get(siteId) ?? [])
        .filter((c) => c.version > (knew[siteId] ?? 0) && c.from <= m)
        .map((c) => c.eventId),
    );
  };
  const reassessed = o.lookback.flatMap((m): Reassessment[] => {
    if (!account.stated[m] && !o.closed.has(m)) return [];
    if (unchanged(m)) return [];
    const lines = assessMonth(m, o.municipality, facts, o.lookups);
    // a closed month never stated and never charged, with nothing in it now, has nothing to correct
    if (!account.stated[m] && lines.length === 0 && chargedPlacements(account, m).length === 0) return [];
    const stated = account.stated[m];
    const knew = stated ? knownBy(stated, o.knownAsOf) : () => false;
    return [
      {
        month: m,
        lines,
        learned: [
          ...rows.filter((r) => !knew(r) && touches(r, m)).map((r) => r.eventId),
          ...costsSetSince(m),
        ],
      },
    ];
  });
  return { lines: assessMonth(o.month, o.municipality, facts, o.lookups), reassessed, siteCostVersions };
}
