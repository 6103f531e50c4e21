import type { EventStore, Tx } from '@casework/eventstore';
import { sql } from 'kysely';
import { type Agent, request } from 'undici';
import { namesInternalAddress, webhookAgent } from './network.js';
import { retryDelayMs, type WebhookOptions, webhookDefaults } from './options.js';
import { type KeptSecret, SecretBox } from './secrets.js';

type Claimed = {
  id: string;
  /** This claim's token: its outcome is recorded only while the delivery is still held under it. */
  claim: string;
  endpoint_id: string;
  event_id: string;
  payload: string;
  attempts: number;
  url: string;
  secrets: KeptSecret[];
};

type Outcome = {
  /** When the attempt began, ISO-8601. */
  at: string;
  id: string;
  claim: string;
  status: number | null;
  error: string | null;
  ms: number;
  ok: boolean;
  attempts: number;
};

/** How long a round waits for its slowest receivers before it records what has answered and goes on. */
const ROUND_MS = 1000;

/** The longest answer body read from a receiver (it is not kept; reading it frees the connection). */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * Sends a service's queued webhook deliveries (ADR 15). Each round claims what is due, at most one
 * delivery per endpoint and subject (the first still pending, so each subject arrives in order), under a
 * lease (`claimed_until`) so instances share the queue and a crashed one's claims come back. Each attempt
 * is signed by the Standard Webhooks scheme with every secret in force; a 2xx delivers, anything else
 * (an error status, a timeout, a refused connection) is retried with exponential backoff until
 * `retryForMs` after the delivery was queued, when it is given up and its endpoint disabled.
 */
export class WebhookDispatcher {
  readonly #o: Required<WebhookOptions>;
  readonly #agent: Agent;
  readonly #box: SecretBox;
  #running = false;
  #lanes: Promise<void>[] = [];
  /** Wake-ups so far: a lane that saw one during its round goes on at once instead of waiting. */
  #wakes = 0;
  readonly #waiting = new Set<() => void>();
  /** Attempts under way (their outcomes recorded as they come): awaited when the dispatcher stops. */
  readonly #late = new Set<Promise<unknown>>();
  /** Attempts in flight: never more than the pool has connections, so none waits in it past its timeout. */
  #inFlight = 0;

  constructor(
    private readonly store: EventStore,
    identifierKey: string,
    options: WebhookOptions,
    private readonly onError: (e: unknown) => void,
  ) {
    this.#o = { ...webhookDefaults, ...options };
    this.#agent = webhookAgent(this.#o.allowInternalNetworks, this.#o.concurrency * this.#o.lanes);
    this.#box = new SecretBox(identifierKey);
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    // rounds in flight at once: one lane records its outcomes while the others send
    this.#lanes = Array.from({ length: this.#o.lanes }, () => this.#run());
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.wake();
    await Promise.all(this.#lanes);
    await Promise.all(this.#late);
    await this.#agent.close();
  }

  /** Deliveries were queued or made due. */
  wake(): void {
    this.#wakes++;
    for (const resolve of this.#waiting) resolve();
    this.#waiting.clear();
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const seen = this.#wakes;
      let sent = 0;
      try {
        sent = await this.round();
      } catch (e) {
        this.onError(e);
      }
      if (sent === 0 && this.#wakes === seen && this.#running)
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            this.#waiting.delete(done);
            resolve();
          };
          const timer = setTimeout(done, this.#o.pollMs);
          this.#waiting.add(done);
        });
    }
  }

  /**
   * One round: claims what is due (no more than the pool has room for), sends it, records what came of
   * it; returns how many were attempted. A slow receiver does not hold the round: what answered within a
   * second is recorded together, the rest each as it answers, while the lane goes on.
   */
  async round(): Promise<number> {
    const room = this.#o.concurrency * this.#o.lanes - this.#inFlight;
    if (room <= 0) return 0;
    const claimed = await this.#claim(Math.min(this.#o.concurrency, room));
    if (claimed.length === 0) return 0;
    this.#inFlight += claimed.length;
    const answered: Outcome[] = [];
    let roundOver = false;
    const attempts = claimed.map((c) =>
      this.#attempt(c).then(async (o) => {
        if (!roundOver) return answered.push(o);
        // answered after the round went on: recorded on its own
        await this.#record([o]).catch(this.onError);
      }),
    );
    for (const a of attempts) {
      this.#late.add(a);
      void a.finally(() => {
        this.#late.delete(a);
        this.#inFlight--;
        this.wake();
      });
    }
    await Promise.race([
      Promise.all(attempts),
      new Promise((resolve) => setTimeout(resolve, ROUND_MS).unref()),
    ]);
    roundOver = true;
    if (answered.length > 0) await this.#record(answered.splice(0));
    return claimed.length;
  }

  async #claim(limit: number): Promise<Claimed[]> {
    const s = sql.id(this.store.schema);
    // the attempt's own timeout and a margin: a claim outlives its attempt unless the instance died
    const leaseMs = this.#o.timeoutMs + 30_000;
    const { rows } = await sql<Claimed>`
      WITH due AS (
        SELECT d.id FROM ${s}.webhook_deliveries d
        JOIN ${s}.webhook_endpoints e ON e.id = d.endpoint_id AND e.status = 'enabled'
        WHERE d.status = 'pending' AND d.next_attempt_at <= now()
          AND (d.claimed_until IS NULL OR d.claimed_until < now())
          -- the first still pending of its subject, and none of the subject in flight (a redelivered
          -- older one, or a later one sent while this one was parked)
          AND NOT EXISTS (SELECT 1 FROM ${s}.webhook_deliveries b
            WHERE b.endpoint_id = d.endpoint_id AND b.subject = d.subject AND b.status = 'pending'
              AND (b.id < d.id OR b.claimed_until > now()))
        ORDER BY d.next_attempt_at, d.id
        LIMIT ${limit}
        FOR UPDATE OF d SKIP LOCKED
      )
      UPDATE ${s}.webhook_deliveries d
      SET claimed_until = now() + make_interval(secs => ${leaseMs / 1000}), attempts = d.attempts + 1,
        first_attempt_at = coalesce(d.first_attempt_at, now()), claim = gen_random_uuid()
      FROM due, ${s}.webhook_endpoints e
      WHERE d.id = due.id AND e.id = d.endpoint_id
      RETURNING d.id::text, d.claim::text, d.endpoint_id, d.event_id, d.payload, d.attempts, e.url, e.secrets`.execute(
      this.store.db,
    );
    return rows;
  }

  async #attempt(c: Claimed): Promise<Outcome> {
    const started = performance.now();
    const at = new Date().toISOString();
    const done = (status: number | null, error: string | null) => ({
      at,
      id: c.id,
      claim: c.claim,
      status,
      error,
      ok: status !== null && status >= 200 && status < 300,
      ms: Math.round(performance.now() - started),
      attempts: c.attempts,
    });
    try {
      const url = new URL(c.url);
      if (!this.#o.allowInternalNetworks && namesInternalAddress(url))
        return done(null, 'the endpoint names an internal address');
      const now = new Date();
      let signatures: string;
      try {
        signatures = this.#box.sign(c.secrets, c.event_id, now, c.payload);
      } catch {
        return done(null, "the endpoint's secret cannot be opened (the deployment's key changed): rotate it");
      }
      const answer = await request(url, {
        method: 'POST',
        dispatcher: this.#agent,
        headers: {
          'content-type': 'application/cloudevents+json',
          'webhook-id': c.event_id,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': signatures,
          'user-agent': 'Casework-Webhooks/1',
        },
        body: c.payload,
        headersTimeout: this.#o.timeoutMs,
        bodyTimeout: this.#o.timeoutMs,
        signal: AbortSignal.timeout(this.#o.timeoutMs),
      });
      await drain(answer.body);
      return done(answer.statusCode, answer.statusCode < 300 ? null : `answered ${answer.statusCode}`);
    } catch (e) {
      return done(null, describe(e));
    }
  }

  async #record(outcomes: Outcome[]): Promise<void> {
    const s = sql.id(this.store.schema);
    // the wait before the next attempt; whether one is left is decided below, by the time since the first
    const next = outcomes.map((o) =>
      o.ok ? null : new Date(Date.now() + retryDelayMs(this.#o, o.attempts)).toISOString(),
    );
    await this.store.transaction(async (tx) => {
      // each attempt is kept on its delivery (its log), in the same write as the outcome
      const { rows } = await sql<{ endpoint_id: string; status: string }>`
        UPDATE ${s}.webhook_deliveries d
        SET status = CASE WHEN u.ok THEN 'delivered'
            WHEN now() - coalesce(d.first_attempt_at, now()) >= make_interval(secs => ${this.#o.retryForMs / 1000})
              THEN 'failed'
            ELSE 'pending' END,
          claimed_until = NULL, claim = NULL,
          next_attempt_at = coalesce(u.next, d.next_attempt_at),
          delivered_at = CASE WHEN u.ok THEN now() END,
          attempt_log = d.attempt_log || jsonb_build_array(jsonb_build_object(
            'at', u.at, 'status', u.status, 'error', u.error, 'durationMs', u.ms))
        FROM unnest(${outcomes.map((o) => o.id)}::bigint[], ${outcomes.map((o) => o.claim)}::uuid[],
          ${outcomes.map((o) => o.ok)}::boolean[], ${next}::timestamptz[],
          ${outcomes.map((o) => o.status)}::int[], ${outcomes.map((o) => o.error)}::text[],
          ${outcomes.map((o) => o.at)}::text[], ${outcomes.map((o) => o.ms)}::int[])
          AS u(id, claim, ok, next, status, error, at, ms)
        -- fenced by the claim's token: an instance that stalled past its lease records nothing over the
        -- attempt of the one that took the delivery over, nor over a redelivery or a re-enabling since
        WHERE d.id = u.id AND d.claim = u.claim
        RETURNING d.endpoint_id, d.status`.execute(tx);
      const givenUp = [...new Set(rows.filter((r) => r.status === 'failed').map((r) => r.endpoint_id))];
      if (givenUp.length > 0)
        await disableEndpoints(
          tx,
          this.store.schema,
          givenUp,
          `a delivery failed for ${Math.round(this.#o.retryForMs / 3_600_000)} hours`,
        );
    });
  }
}

/**
 * Disables endpoints with the reason, and parks what waits for them (due at infinity): the queue's
 * readers never meet a disabled endpoint's backlog, which enabling makes due again.
 */
export async function disableEndpoints(
  tx: Tx,
  schema: string,
  ids: readonly string[],
  reason: string,
): Promise<void> {
  const s = sql.id(schema);
  await sql`UPDATE ${s}.webhook_endpoints SET status = 'disabled', updated_at = now(), disabled_reason = ${reason}
    WHERE id = ANY(${ids}::uuid[]) AND status = 'enabled'`.execute(tx);
  await sql`UPDATE ${s}.webhook_deliveries SET next_attempt_at = 'infinity'
    WHERE endpoint_id = ANY(${ids}::uuid[]) AND status = 'pending'`.execute(tx);
}

async function drain(body: AsyncIterable<Buffer> & { destroy?: () => void }): Promise<void> {
  let read = 0;
  for await (const chunk of body) {
    read += chunk.length;
    if (read > MAX_ANSWER_BYTES) {
      body.destroy?.();
      return;
    }
  }
}

/** What went wrong with an attempt, for the delivery log: the kind of failure, never a stack. */
function describe(e: unknown): string {
  const err = e as { code?: string; name?: string; message?: string };
  if (
    err.name === 'TimeoutError' ||
    err.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    err.code === 'UND_ERR_BODY_TIMEOUT'
  )
    return 'no answer in time';
  // one answer for both: which internal names exist is not the integrator's to learn
  if (err.code === 'EWEBHOOKADDRESS' || err.code === 'ENOTFOUND')
    return 'no address the endpoint may be reached at';
  // the kind of failure, not the code: an endpoint's log is no port scanner of other hosts
  return 'connection failed';
}
