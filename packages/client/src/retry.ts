const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The longest a Retry-After is waited for; a longer one is answered as it came. */
const MAX_WAIT_MS = 30_000;

/** How long a 503 or 429 asks to wait (Retry-After in seconds or as a date), if it says. */
function retryAfterMs(response: Response, now: number): number | undefined {
  const value = response.headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends a request again after a lost connection, a 503, a 429 or a 409 with Retry-After (its
 * `Idempotency-Key` still being answered), up to `retries` times: only a read or a command with an
 * `Idempotency-Key` (which the API answers once however often it arrives). Waits as Retry-After says,
 * else 250 ms, 500 ms, 1 s, …
 */
export function retryingFetch(
  send: (request: Request) => Promise<Response>,
  retries: number,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const repeatable = SAFE.has(request.method) || request.headers.has('idempotency-key');
    for (let attempt = 0; ; attempt++) {
      const last = !repeatable || attempt >= retries;
      // a body is read once: each attempt sends a copy
      const sent = last ? request : request.clone();
      let response: Response;
      try {
        response = await send(sent);
      } catch (error) {
        if (last || !(error instanceof TypeError)) throw error; // fetch's TypeError: no answer came
        await sleep(250 * 2 ** attempt);
        continue;
      }
      // a 409 with Retry-After: the same key still running (a retry after a lost answer meets it)
      const again =
        response.status === 503 ||
        response.status === 429 ||
        (response.status === 409 && response.headers.has('retry-after'));
      if (last || !again) return response;
      const wait = retryAfterMs(response, Date.now()) ?? 250 * 2 ** attempt;
      if (wait > MAX_WAIT_MS) return response;
      await response.body?.cancel();
      await sleep(wait);
    }
  };
}
