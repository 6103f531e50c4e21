import {
  addMonths,
  breaksRule,
  conflictWith,
  eur,
  type Funding,
  type LocalDate,
  type Money,
  type Month,
  type MunicipalityCode,
  ServiceTypeCode,
} from '@casework/contracts';
import type { RecordedEvent, Tx } from '@casework/eventstore';
import { billingParameters, serviceType } from '@casework/reference-data';
import { appendOf, type Cause, foldEvents, inTransaction, type ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';
import { paymentReferenceFor } from '../bank/paymentReference.js';
import { type Account, accountDecider, adjustmentsAtMost } from '../domain/account.js';
import type { Lookups } from '../domain/assessMonth.js';
import { monthEnd, monthStart } from '../domain/billableDays.js';
import { type ClientFacts, foldInputs, type InputRow } from '../domain/clientFacts.js';
import { dueDate } from '../domain/dueDate.js';
import { type Period, type PeriodEvent, periodDecider } from '../domain/period.js';
import { costFor, type SiteCostEvent, type SiteCosts, siteCostDecider } from '../domain/siteCost.js';
import { assessStatement, type SiteCostChange } from '../domain/statementAssessment.js';
import { type LoadedAccount, loadAccounts, snapshotAccountsDue } from './accountState.js';
import { definitions, periodStream, siteCostStream } from './events.js';
import { Tariffs } from './tariffs.js';

/** Clients per transaction: one read of their inputs and accounts, one append of their statements. */
const CHUNK = 200;

export type RunSummary = {
  municipality: string;
  month: Month;
  statements: number;
  adjustments: number;
  assessed: Money;
  totalDue: Money;
};

const monthsBefore = (month: Month, count: number): Month[] =>
  Array.from({ length: count }, (_, i) => addMonths(monthStart(month), i - count).slice(0, 7));

/** Statements are issued for a month only once it has ended. */
export function assertMonthEnded(month: Month, today: LocalDate) {
  if (today < monthEnd(month))
    throw breaksRule('MONTH_NOT_ENDED', 'statements are issued only after the month ends');
}

/** A closed month is stated no more: what is learned of it later comes as adjustments. */
export function assertOpen(month: Month, periodEvents: readonly RecordedEvent[]) {
  if (foldEvents<Period, PeriodEvent>(periodDecider, periodEvents).closedOn)
    throw conflictWith(
      'PERIOD_CLOSED',
      `${month} is closed: late charges come as adjustments on the next statement`,
    );
}

/**
 * Issues a municipality's statements for a month that has ended: for every client with a stay in its
 * services that month, and every account stated within the lookback (a late discharge may concern a
 * client gone since), the month is assessed and earlier months stated or closed are assessed again with
 * everything known now: a difference is an adjustment on this statement. A client with nothing to state
 * gets none. Numbers run on from the month's last, in client order; a retried run states no month twice.
 */
export async function issueStatements(
  ctx: ServiceContext,
  input: {
    municipality: MunicipalityCode;
    month: Month;
    today: LocalDate;
    cause: Cause;
    /** Told how many clients the run takes, then after each chunk how many are done. */
    progress?: (p: { clients: number; done: number }) => Promise<void>;
  },
): Promise<RunSummary> {
  const { municipality, month, today } = input;
  assertMonthEnded(month, today);
  const params = billingParameters(municipality, today);
  const lookback = monthsBefore(month, params.adjustmentLookbackMonths);
  const db = ctx.store.db;

  const periods = await ctx.store.readStreams([...lookback, month].map((m) => periodStream(municipality, m)));
  const closed = new Set(
    lookback.filter(
      (m) =>
        foldEvents<Period, PeriodEvent>(periodDecider, periods.get(periodStream(municipality, m))!.events)
          .closedOn,
    ),
  );
  assertOpen(month, periods.get(periodStream(municipality, month))!.events);

  // the first month a run may still correct
  const since = lookback[0] ?? month;
  const { rows: candidates } = await sql<{ client_id: string }>`
    SELECT client_id FROM ${sql.id(ctx.store.schema, 'stays')}
    WHERE municipality = ${municipality} AND from_date < ${monthEnd(month)}::date
      AND (to_date IS NULL OR to_date > ${monthStart(month)}::date)
    UNION
    SELECT client_id FROM ${sql.id(ctx.store.schema, 'accounts')}
    WHERE municipality = ${municipality} AND last_month >= ${since}
    UNION
    -- a stay within the lookback learned only after its months were stated (an admission recorded after
    -- the discharge): no statement within the lookback (none ever, or one long ago before a return), and
    -- nothing this month, but months to charge
    SELECT client_id FROM ${sql.id(ctx.store.schema, 'stays')} st
    WHERE municipality = ${municipality} AND from_date < ${monthStart(month)}::date
      AND (to_date IS NULL OR to_date > ${monthStart(since)}::date)
      AND NOT EXISTS (SELECT 1 FROM ${sql.id(ctx.store.schema, 'accounts')} a
        WHERE a.client_id = st.client_id AND a.municipality = ${municipality}
          AND a.last_month >= ${since})
    EXCEPT
    -- a record merged into another is billed as its survivor (whose inputs include it), never itself
    SELECT client_id FROM ${sql.id(ctx.store.schema, 'client_directory')} WHERE merged_into IS NOT NULL
    ORDER BY client_id`.execute(db);

  // a site billing learned of before it kept funding is funded as its service type is by default
  const { rows: sites } = await sql<{ site_id: string; funding: Funding | null }>`
    SELECT site_id, funding FROM ${sql.id(ctx.store.schema, 'sites')} WHERE municipality = ${municipality}`.execute(
    db,
  );
  const funding = new Map(sites.map((r) => [r.site_id, r.funding]));
  const tariffs = new Tariffs(ctx);
  await tariffs.prepare(ServiceTypeCode.options.map((serviceType) => ({ serviceType, municipality })));
  const siteCosts = new Map<string, SiteCosts>();
  const siteCostVersions = new Map<string, number>();
  const siteCostChanges = new Map<string, SiteCostChange[]>();
  const lookups: Lookups = {
    tariff: (serviceType, m, on) => tariffs.inForce(serviceType, m, on),
    cost: (siteId, m) => costFor(siteCosts.get(siteId) ?? siteCostDecider.initialState, m),
    funding: (siteId, type) => funding.get(siteId) ?? serviceType(type).defaultFunding,
    respite: (on) => {
      const p = billingParameters(municipality, on);
      return {
        freeDaysPerYear: p.respiteFreeDaysPerYear,
        disabilityOverPercent: p.respiteDisabilityOverPercent,
      };
    },
  };

  const summary: RunSummary = {
    municipality,
    month,
    statements: 0,
    adjustments: 0,
    assessed: eur(0),
    totalDue: eur(0),
  };
  await input.progress?.({ clients: candidates.length, done: 0 });
  for (let i = 0; i < candidates.length; i += CHUNK) {
    const clients = candidates.slice(i, i + CHUNK).map((r) => r.client_id);
    // an account moved meanwhile (a payment, another run): the chunk is read and decided again
    const done = await inTransaction(ctx, (tx) =>
      issueChunk(ctx, tx, {
        ...input,
        clients,
        lookback,
        closed,
        dueDay: params.statementDueDay,
        siteCosts,
        siteCostVersions,
        siteCostChanges,
        lookups,
      }),
    );
    summary.statements += done.statements;
    summary.adjustments += done.adjustments;
    summary.assessed = eur(summary.assessed.amountMinor + done.assessed);
    summary.totalDue = eur(summary.totalDue.amountMinor + done.totalDue);
    await input.progress?.({ clients: candidates.length, done: i + clients.length });
  }
  return summary;
}

/**
 * Each client's inputs in the order billing wrote them, a merged record's counted as its survivor's
 * while the merge stands (an unmerge gives the record its own history back), and the snapshot they were
 * read in: both reads see exactly that snapshot's inputs, so what it says was known is what was read.
 */
async function inputsOf(
  ctx: ServiceContext,
  tx: Tx,
  clients: readonly string[],
): Promise<{ inputs: Map<string, InputRow[]>; knownAsOf: string }> {
  const { rows: taken } = await sql<{
    snapshot: string;
  }>`SELECT pg_current_snapshot()::text AS snapshot`.execute(tx);
  const knownAsOf = taken[0]!.snapshot;
  const read = async (ids: readonly string[]) =>
    (
      await sql<{
        seq: string;
        tx: string | null;
        event_id: string;
        client_id: string;
        type: string;
        data: Record<string, unknown>;
      }>`
        SELECT seq::text, tx::text, event_id, client_id, type, data FROM ${sql.id(ctx.store.schema, 'inputs')}
        WHERE client_id = ANY(${ids}::uuid[])
          AND (tx IS NULL OR pg_visible_in_snapshot(tx, ${knownAsOf}::pg_snapshot))
        ORDER BY seq`.execute(tx)
    ).rows;
  const rows = await read(clients);
  const survivorOf = new Map<string, string>();
  for (const r of rows) {
    if (r.type === 'ClientsMerged') survivorOf.set(String(r.data.mergedId), r.client_id);
    if (r.type === 'ClientsUnmerged') survivorOf.delete(String(r.data.mergedId));
  }
  const merged = survivorOf.size ? await read([...survivorOf.keys()]) : [];
  const inputs = new Map<string, InputRow[]>(clients.map((c) => [c, []]));
  for (const r of [...rows, ...merged].sort((a, b) => Number(a.seq) - Number(b.seq))) {
    const owner = survivorOf.get(r.client_id) ?? r.client_id;
    // rows were validated against their event's schema when consumed
    inputs.get(owner)?.push({
      seq: Number(r.seq),
      ...(r.tx === null ? {} : { tx: r.tx }),
      eventId: r.event_id,
      type: r.type,
      data: r.data,
    } as InputRow);
  }
  return { inputs, knownAsOf };
}

type Chunk = {
  municipality: string;
  month: Month;
  today: LocalDate;
  cause: Cause;
  clients: string[];
  lookback: Month[];
  closed: ReadonlySet<Month>;
  dueDay: number;
  siteCosts: Map<string, SiteCosts>;
  /** The version of each site's cost stream read: the run's costs are those versions'. */
  siteCostVersions: Map<string, number>;
  /** Each site's cost settings: the event that set each, at which version, from which month. */
  siteCostChanges: Map<string, SiteCostChange[]>;
  lookups: Lookups;
};

async function issueChunk(ctx: ServiceContext, tx: Tx, c: Chunk) {
  // accounts before inputs: what another run stated on them it knew from a snapshot this one's
  // includes (one stating them after is caught by their versions)
  const accounts = await loadAccounts(
    ctx,
    tx,
    c.clients.map((clientId) => ({ clientId, municipality: c.municipality })),
  );
  const { inputs, knownAsOf } = await inputsOf(ctx, tx, c.clients);
  const facts = new Map<string, ClientFacts>([...inputs].map(([id, rows]) => [id, foldInputs(rows)]));
  // the sites of these clients' stays whose costs are not loaded yet, or older than a run stating one
  // of these accounts meanwhile read
  const newer = (id: string) =>
    accounts.some(
      (a) => (a.state.assessedWith?.siteCostVersions[id] ?? 0) > (c.siteCostVersions.get(id) ?? 0),
    );
  const sites = [...new Set([...facts.values()].flatMap((f) => f.stays.map((s) => s.siteId)))].filter(
    (id) => !c.siteCosts.has(id) || newer(id),
  );
  const costStreams = await ctx.store.readStreams(sites.map(siteCostStream), tx);
  for (const id of sites) {
    const stream = costStreams.get(siteCostStream(id))!;
    c.siteCosts.set(id, foldEvents<SiteCosts, SiteCostEvent>(siteCostDecider, stream.events));
    c.siteCostVersions.set(id, stream.version);
    c.siteCostChanges.set(
      id,
      stream.events.map((e) => ({
        version: e.streamPosition,
        from: (e.data as SiteCostEvent['data']).from,
        eventId: e.eventId,
      })),
    );
  }
  const periodId = periodStream(c.municipality, c.month);
  const { version: periodVersion, events: periodEvents } = await ctx.store.readStream(periodId, {
    executor: tx,
  });
  const period = foldEvents<Period, PeriodEvent>(periodDecider, periodEvents);

  const yyyymm = c.month.replace('-', '');
  const dueOn = dueDate(c.month, c.today, c.dueDay);
  // what each client's statement would be, numbered later: only those with something to state are issued
  const drafts = c.clients.flatMap((clientId, i) => {
    const rows = inputs.get(clientId)!;
    const f = facts.get(clientId)!;
    const loaded = accounts[i]!;
    const account = loaded.state;
    const { lines, reassessed, siteCostVersions } = assessStatement({
      municipality: c.municipality,
      month: c.month,
      rows,
      knownAsOf,
      facts: f,
      account,
      lookback: c.lookback,
      closed: c.closed,
      siteCostVersions: c.siteCostVersions,
      siteCostChanges: c.siteCostChanges,
      lookups: c.lookups,
    });
    const command = (statementNumber: string) => ({
      type: 'IssueStatement' as const,
      clientId,
      municipality: c.municipality,
      month: c.month,
      statementId: ctx.newId(),
      statementNumber,
      paymentReference: paymentReferenceFor(statementNumber),
      issuedOn: c.today,
      dueOn,
      lines,
      knownThrough: rows.length ? rows[rows.length - 1]!.seq : 0,
      knownAsOf,
      siteCostVersions,
      reassessed,
      adjustmentIds: Array.from({ length: adjustmentsAtMost(reassessed, account) }, () => ctx.newId()),
    });
    // stated already (a retried run): nothing; with lines: a statement; without: only if it adjusts
    if (account.stated[c.month]) return [];
    if (lines.length === 0) {
      const trial = accountDecider.decide(command(`${c.municipality}-${yyyymm}-000000`), account);
      const issued = trial.find((e) => e.type === 'StatementIssued');
      if (!issued || issued.data.adjustments.length === 0) return [];
    }
    return [{ clientId, account, loaded, command }];
  });
  if (drafts.length === 0) return { statements: 0, adjustments: 0, assessed: 0, totalDue: 0 };

  const allocated = periodDecider.decide(
    { type: 'Allocate', municipality: c.municipality, month: c.month, count: drafts.length, today: c.today },
    period,
  );
  const first = period.numbered + 1;
  let adjustments = 0;
  let assessed = 0;
  let totalDue = 0;
  const decided: { loaded: LoadedAccount; state: Account; version: number }[] = [];
  const appends = drafts.map((d, n) => {
    const events = accountDecider.decide(
      d.command(`${c.municipality}-${yyyymm}-${String(first + n).padStart(6, '0')}`),
      d.account,
    );
    for (const e of events) {
      if (e.type === 'AdjustmentRaised') adjustments++;
      if (e.type === 'StatementIssued') {
        assessed += e.data.assessed.amountMinor;
        totalDue += e.data.totalDue.amountMinor;
      }
    }
    decided.push({
      loaded: d.loaded,
      state: events.reduce(accountDecider.evolve, d.account),
      version: d.loaded.version + events.length,
    });
    return appendOf(
      ctx,
      { streamId: d.loaded.streamId, streamType: 'account', version: d.loaded.version },
      events,
      definitions,
      c.cause,
    );
  });
  await ctx.store.append(
    [
      appendOf(
        ctx,
        { streamId: periodId, streamType: 'period', version: periodVersion },
        allocated,
        definitions,
        c.cause,
      ),
      ...appends,
    ],
    tx,
  );
  await snapshotAccountsDue(ctx, tx, decided);
  await sql`INSERT INTO ${sql.id(ctx.store.schema, 'accounts')} (client_id, municipality, last_month)
    SELECT unnest(${drafts.map((d) => d.clientId)}::uuid[]), ${c.municipality}, ${c.month}
    ON CONFLICT (client_id, municipality) DO UPDATE SET last_month = EXCLUDED.last_month
    WHERE accounts.last_month < EXCLUDED.last_month`.execute(tx);
  return { statements: drafts.length, adjustments, assessed, totalDue };
}
