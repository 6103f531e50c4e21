/**
 * The fault suite's load: case managers working through intake over HTTP, as many at once as there are
 * workers — registrations, several ЕГН corrections of one client in quick succession, income
 * declarations and their corrections, ТЕЛК decisions, applications with their referrals (which make
 * eligibility determine and placement list), and withdrawals right after a submission. Every POST
 * carries an Idempotency-Key; a connection refused, a 5xx or a key still in progress is retried on the
 * next instance (the one asked may just have been killed). Synthetic people only.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { composeEgn } from '@casework/contracts';
import { mintToken } from '@casework/service-kit';
import { TEST_SIGNING_KEY } from '@casework/testkit';

export type LoadStats = {
  requests: number;
  ok: number;
  /** Answers that were no success after every retry, by status (`network` when none came). */
  failed: Record<string, number>;
  retries: number;
  registrations: number;
  corrections: number;
  incomes: number;
  applications: number;
  referrals: number;
  withdrawals: number;
};

export type Load = { stats: LoadStats; stop: () => Promise<LoadStats> };

const SERVICE_TYPE = 'day_centre_adults_disabilities';
const MUNICIPALITY = 'BLG01';

/** ЕГН number n of this run: each a birth date of its own (from 1940 on) and a serial, never the same twice. */
const egnOf = (n: number) => {
  const day = new Date(Date.UTC(1940, 0, 1) + (n % 20_000) * 86_400_000).toISOString().slice(0, 10);
  return composeEgn(day, 50 + (Math.floor(n / 20_000) % 900));
};

export function startLoad(
  urls: () => string[],
  options: { workers?: number; withdrawShare?: number; correctionBurst?: number } = {},
): Load {
  const stats: LoadStats = {
    requests: 0,
    ok: 0,
    failed: {},
    retries: 0,
    registrations: 0,
    corrections: 0,
    incomes: 0,
    applications: 0,
    referrals: 0,
    withdrawals: 0,
  };
  let running = true;
  let identifiers = Math.floor(Math.random() * 20_000);
  const workers = options.workers ?? 4;
  const burst = options.correctionBurst ?? 3;
  const withdrawShare = options.withdrawShare ?? 0.3;

  const send = async (
    token: string,
    path: string,
    body: object,
  ): Promise<{ status: number; json: Record<string, unknown> } | undefined> => {
    if (!running) return undefined;
    const key = randomUUID();
    const until = Date.now() + 20_000;
    let attempt = Math.floor(Math.random() * 8);
    stats.requests++;
    let last = 'network';
    while (Date.now() < until && running) {
      const targets = urls();
      const base = targets[attempt++ % Math.max(1, targets.length)];
      if (!base) {
        await sleep(200);
        continue;
      }
      try {
        const r = await fetch(`${base}${path}`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'idempotency-key': key,
          },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        const json = (await r.json().catch(() => ({}))) as Record<string, unknown>;
        const inProgress = r.status === 409 && json.code === 'IDEMPOTENCY_KEY_IN_PROGRESS';
        if (r.status < 500 && !inProgress) {
          if (r.status < 300) stats.ok++;
          else stats.failed[r.status] = (stats.failed[r.status] ?? 0) + 1;
          return { status: r.status, json };
        }
        last = String(r.status);
      } catch {
        last = 'network';
      }
      stats.retries++;
      await sleep(100);
    }
    const outcome = running ? last : 'stopped';
    stats.failed[outcome] = (stats.failed[outcome] ?? 0) + 1;
    return undefined;
  };

  const journey = async (token: string) => {
    const registered = await send(token, '/v1/clients', {
      identifier: { kind: 'egn', value: egnOf(identifiers++) },
      givenName: 'Тест',
      familyName: 'Натоварванов',
      municipality: MUNICIPALITY,
    });
    if (registered?.status !== 201) return;
    stats.registrations++;
    const clientId = String(registered.json.clientId);
    // ЕГН corrections of the same client, one right after the other: each changes the birth date
    if (Math.random() < 0.6) {
      for (let i = 0; i < burst && running; i++) {
        const r = await send(token, `/v1/clients/${clientId}/corrections`, {
          identifier: { kind: 'egn', value: egnOf(identifiers++) },
          reason: 'ЕГН mistyped at registration (synthetic)',
        });
        if (r?.status === 200 || r?.status === 201) stats.corrections++;
      }
    }
    const income = await send(token, `/v1/clients/${clientId}/facts/incomes`, {
      source: 'pension',
      monthlyAmount: { amountMinor: 30_000 + Math.floor(Math.random() * 50_000), currency: 'EUR' },
      validFrom: '2026-01-01',
    });
    if (income?.status === 201) {
      stats.incomes++;
      if (Math.random() < 0.5) {
        const again = await send(token, `/v1/clients/${clientId}/facts/incomes`, {
          source: 'pension',
          monthlyAmount: { amountMinor: 20_000 + Math.floor(Math.random() * 50_000), currency: 'EUR' },
          validFrom: '2026-01-01',
          supersedes: income.json.factId,
        });
        if (again?.status === 201) stats.incomes++;
      }
    }
    await send(token, `/v1/clients/${clientId}/facts/disability-assessments`, {
      degreePercent: 72,
      outsideAssistanceNeeded: false,
      commission: 'TELK',
      decisionNumber: '0815/2026',
      decidedOn: '2026-03-01',
      validFrom: '2026-03-01',
      validTo: '2029-02-28',
    });
    const application = await send(token, '/v1/applications', {
      clientId,
      serviceType: SERVICE_TYPE,
      municipality: MUNICIPALITY,
      submittedOn: '2026-11-02',
    });
    if (application?.status !== 201) return;
    stats.applications++;
    const applicationId = String(application.json.applicationId);
    if (Math.random() < withdrawShare) {
      const w = await send(token, `/v1/applications/${applicationId}/withdraw`, {
        withdrawnOn: '2026-11-20',
      });
      if (w?.status === 200) stats.withdrawals++;
      return;
    }
    const referral = await send(token, `/v1/applications/${applicationId}/referral`, {
      issuer: 'municipality',
      issuedBy: MUNICIPALITY,
      referralNumber: `Н-${applicationId.slice(0, 6)}`,
      issuedOn: '2026-11-10',
    });
    if (referral?.status === 200) stats.referrals++;
    // some withdraw after the referral too, once placement may have listed them
    if (Math.random() < withdrawShare / 2) {
      const w = await send(token, `/v1/applications/${applicationId}/withdraw`, {
        withdrawnOn: '2026-11-25',
      });
      if (w?.status === 200) stats.withdrawals++;
    }
  };

  const loops = Array.from({ length: workers }, async (_, w) => {
    const token = await mintToken(TEST_SIGNING_KEY, {
      sub: `fault-cm-${w}`,
      roles: ['case_manager'],
      municipality: MUNICIPALITY,
    });
    while (running) await journey(token).catch(() => undefined);
  });
  return {
    stats,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return stats;
    },
  };
}
