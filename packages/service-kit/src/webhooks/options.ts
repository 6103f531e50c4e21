/** How webhooks are delivered; the defaults are what a deployment wants, tests shorten the waits. */
export type WebhookOptions = {
  /** Receivers on loopback and private networks (an intranet ERP, tests); refused by default. */
  allowInternalNetworks?: boolean;
  /** How long a receiver has to answer an attempt. */
  timeoutMs?: number;
  /** The wait before the first retry; it doubles each time, up to `retryMaxDelayMs`. */
  retryBaseMs?: number;
  retryMaxDelayMs?: number;
  /** How long a delivery is retried before it is given up and its endpoint disabled. */
  retryForMs?: number;
  /** Attempts a round sends at once. */
  concurrency?: number;
  /** Rounds in flight at once, per service instance. */
  lanes?: number;
  /** How often an idle dispatcher looks for due retries and another instance's deliveries. */
  pollMs?: number;
};

export const webhookDefaults: Required<WebhookOptions> = {
  allowInternalNetworks: false,
  timeoutMs: 10_000,
  retryBaseMs: 5_000,
  retryMaxDelayMs: 60 * 60 * 1000,
  retryForMs: 24 * 60 * 60 * 1000,
  concurrency: 64,
  lanes: 4,
  pollMs: 1_000,
};

/** The wait before retry `n` (1-based): doubling from the base, capped, with ±20% jitter. */
export const retryDelayMs = (o: Required<WebhookOptions>, n: number, random = Math.random) =>
  Math.round(Math.min(o.retryBaseMs * 2 ** (n - 1), o.retryMaxDelayMs) * (0.8 + 0.4 * random()));
