import { CaseworkProblem } from './problem.js';

export type ClientCredentials = {
  /** Where the API answers, as for `createCaseworkClient`. */
  baseUrl: string;
  /** The integrator's client id and secret, as an admin registered them (`POST /v1/integrators`). */
  clientId: string;
  clientSecret: string;
  /** The fetch to send with; the global fetch by default. */
  fetch?: (request: Request) => Promise<Response>;
};

/** A token is fetched again this long before it ends, so no request goes out with one about to expire. */
const EARLY_MS = 60_000;

/**
 * A token function for `createCaseworkClient({ token })` from an integrator's client credentials: it
 * asks `POST /v1/oauth/token` (OAuth 2.0 client credentials, HTTP Basic) for a token, keeps it until a
 * minute before it ends, and asks again; requests at the same moment share one token request. A refusal
 * (a revoked integrator, a wrong secret) is thrown as a `CaseworkProblem`.
 */
export function clientCredentials(o: ClientCredentials): () => Promise<string> {
  const send = o.fetch ?? ((request: Request) => fetch(request));
  const basic = Buffer.from(
    `${encodeURIComponent(o.clientId)}:${encodeURIComponent(o.clientSecret)}`,
  ).toString('base64');
  let kept: { token: string; until: number } | undefined;
  let asking: Promise<string> | undefined;
  const ask = async () => {
    const response = await send(
      new Request(`${o.baseUrl.replace(/\/+$/, '')}/v1/oauth/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      }),
    );
    if (!response.ok) throw await CaseworkProblem.from(response);
    const answer = (await response.json()) as { access_token: string; expires_in: number };
    kept = { token: answer.access_token, until: Date.now() + answer.expires_in * 1000 - EARLY_MS };
    return answer.access_token;
  };
  return async () => {
    if (kept && Date.now() < kept.until) return kept.token;
    asking ??= ask().finally(() => {
      asking = undefined;
    });
    return asking;
  };
}
