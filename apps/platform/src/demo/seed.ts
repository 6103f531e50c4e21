import { setTimeout as sleep } from 'node:timers/promises';
import {
  addDays,
  type LocalDate,
  type MunicipalityCode,
  type ServiceTypeCode,
  sofiaDate,
} from '@casework/contracts';
import { oblastOf, serviceType } from '@casework/reference-data';
import { bulkLoadHeaders, type Principal } from '@casework/service-kit';
import type { FastifyInstance } from 'fastify';
import { seedBilling } from './billing.js';
import { syntheticPerson } from './people.js';
import { type DemoSite, demoSites } from './sites.js';

export type SeedOptions = {
  /** Signs a token for a caller. */
  token: (principal: Principal) => Promise<string>;
  /** The municipalities to seed (default: Bansko and Montana). */
  municipalities?: MunicipalityCode[];
  /** The share of each site's places taken by residents already there (default 0.75). */
  fill?: number;
  /** People waiting per site beyond its residents (default 2). */
  waitingPerSite?: number;
  today?: LocalDate;
  log?: (line: string) => void;
  /** How long to wait for the services to learn of each step (default 120 s). */
  patienceMs?: number;
};

export type SeedSummary = {
  sites: number;
  clients: number;
  admitted: number;
  transferred: number;
  discharged: number;
  offers: number;
  statements: number;
  payments: number;
};

type Call = (method: 'GET' | 'POST' | 'PUT', url: string, body?: object) => Promise<Record<string, unknown>>;

/** Is there anything in the store? The demo is offered only on an empty one. */
export async function isEmpty(app: FastifyInstance, token: string): Promise<boolean> {
  const r = await app.inject({
    method: 'GET',
    url: '/v1/sites?limit=1',
    headers: { authorization: `Bearer ${token}` },
  });
  return r.statusCode === 200 && (r.json().items as unknown[]).length === 0;
}

/**
 * Seeds the demo of DOMAIN §9 through the API, as case managers and supervisors would: each
 * municipality's sites; synthetic people registered with their disability decision, an application,
 * a needs assessment and a referral, which eligibility decides and placement lists; residents who were
 * there before (admitted in an emergency, backdated, with the reason written down), day-centre
 * attendance, transfers from protected housing to social housing with special status, discharges,
 * and open offers to the next in line.
 */
export async function seedDemo(app: FastifyInstance, o: SeedOptions): Promise<SeedSummary> {
  const today = o.today ?? sofiaDate(new Date());
  const log = o.log ?? (() => {});
  const summary: SeedSummary = {
    sites: 0,
    clients: 0,
    admitted: 0,
    transferred: 0,
    discharged: 0,
    offers: 0,
    statements: 0,
    payments: 0,
  };
  let serial = 0;
  for (const municipality of o.municipalities ?? (['BLG01', 'MON29'] as MunicipalityCode[])) {
    const sites = demoSites[municipality] ?? [];
    const as = async (
      sub: string,
      role: 'case_manager' | 'supervisor' | 'billing_officer',
    ): Promise<Call> => {
      const authorization = `Bearer ${await o.token({ sub, roles: [role], municipality })}`;
      return async (method, url, body) => {
        const r = await app.inject({
          method,
          url,
          // an operator's bulk load in this process, not a caller: the per-caller limits do not count it
          headers: { authorization, ...bulkLoadHeaders() },
          ...(body ? { payload: body } : {}),
        });
        if (r.statusCode >= 300) throw new Error(`${method} ${url}: ${r.statusCode} ${r.body}`);
        return r.json() as Record<string, unknown>;
      };
    };
    const cm = await as(`demo-cm-${municipality}`, 'case_manager');
    const supervisor = await as(`demo-supervisor-${municipality}`, 'supervisor');
    const until = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
      const deadline = Date.now() + (o.patienceMs ?? 120_000);
      for (;;) {
        const found = await probe().catch(() => undefined);
        if (found !== undefined) return found;
        if (Date.now() > deadline) throw new Error(`the demo waited too long for ${what}`);
        await sleep(200);
      }
    };

    // the sites, open for two years
    const opened: (DemoSite & { siteId: string })[] = [];
    for (const site of sites) {
      const r = await supervisor('POST', '/v1/sites', {
        ...site,
        municipality,
        provider: `${site.name.split(' (')[0]} provider (demo)`,
        funding: serviceType(site.serviceType).defaultFunding,
        openedOn: addDays(today, -730),
      });
      opened.push({ ...site, siteId: r.siteId as string });
    }
    summary.sites += opened.length;
    log(`${municipality}: ${opened.length} sites`);

    // people for each site: its residents and a few waiting, each applying through intake
    const people: {
      clientId: string;
      applicationId: string;
      site: (typeof opened)[number];
      resident: boolean;
    }[] = [];
    // (the special-status flats are the step out of protected housing: their tenants come from there)
    const special = (s: DemoSite) => s.serviceType === 'social_housing_special_status';
    for (const site of opened.filter((s) => !special(s))) {
      const residents = Math.floor(site.places * (o.fill ?? 0.75));
      for (let i = 0; i < residents + (o.waitingPerSite ?? 2); i++) {
        const person = syntheticPerson(site.serviceType, serial++);
        const { clientId } = (await cm('POST', '/v1/clients', { ...person, municipality })) as {
          clientId: string;
        };
        await decision(cm, clientId, today);
        await pension(cm, clientId, today, serial);
        const applicationId = await apply(cm, clientId, site.serviceType, municipality, today);
        people.push({ clientId, applicationId, site, resident: i < residents });
      }
    }
    summary.clients += people.length;
    log(`${municipality}: ${people.length} people registered and applying`);

    /** Everyone on a list, page by page. */
    const waitingList = async (type: ServiceTypeCode) => {
      const items: { entryId: string; offer?: object }[] = [];
      for (let cursor: string | undefined, first = true; first || cursor !== undefined; first = false) {
        const page = await cm(
          'GET',
          `/v1/waiting-lists?serviceType=${type}&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
        );
        items.push(...(page.items as typeof items));
        cursor = page.next as string | undefined;
      }
      return items;
    };
    const listed = async (type: ServiceTypeCode) => new Set((await waitingList(type)).map((i) => i.entryId));
    // once eligibility has decided and placement has listed everyone
    for (const type of new Set(people.map((p) => p.site.serviceType)))
      await until(`the ${type} list of ${municipality}`, async () => {
        const ids = await listed(type);
        return people.filter((p) => p.site.serviceType === type).every((p) => ids.has(p.applicationId))
          ? true
          : undefined;
      });

    // residents who were there before Casework: recorded in an emergency admission, backdated
    const stays: { clientId: string; placementId: string; site: (typeof opened)[number]; from: LocalDate }[] =
      [];
    for (const [n, p] of people.filter((x) => x.resident).entries()) {
      const from = addDays(today, -60 - ((n * 37) % 600));
      const kind = serviceType(p.site.serviceType).kind;
      const r = await supervisor('POST', '/v1/placements', {
        clientId: p.clientId,
        siteId: p.site.siteId,
        on: from,
        ...(kind === 'day' ? { weekdays: n % 3 === 0 ? [1, 3, 5] : [1, 2, 3, 4, 5] } : {}),
        emergency: {
          justification: 'In the service before Casework: recorded when the demo was set up (synthetic)',
        },
      });
      stays.push({ clientId: p.clientId, placementId: r.placementId as string, site: p.site, from });
    }
    summary.admitted += stays.length;

    // the step out of protected housing: residents move on to the special-status flats
    const flats = opened
      .filter(special)
      .flatMap((f) => Array.from({ length: Math.max(1, Math.floor(f.places * (o.fill ?? 0.75))) }, () => f));
    const movers = stays.filter((s) => s.site.serviceType === 'protected_housing').slice(0, flats.length);
    for (const [i, mover] of movers.entries()) {
      const flat = flats[i]!;
      // reassessed recently: the latest assessment recommends the flat
      const applicationId = await apply(cm, mover.clientId, flat.serviceType, municipality, today, -10);
      await until('eligibility for special status', async () =>
        (await listed(flat.serviceType)).has(applicationId) ? true : undefined,
      );
      await cm('POST', `/v1/placements/${mover.placementId}/transfer`, {
        toSiteId: flat.siteId,
        on: addDays(today, -30),
      });
      summary.transferred++;
    }

    // some left: back to their family, or on to a more independent life
    const gone = new Set(movers.map((m) => m.placementId));
    for (const [n, stay] of stays
      .filter((s) => !gone.has(s.placementId) && s.from < addDays(today, -90))
      .entries()) {
      if (n % 9 !== 4) continue;
      await cm('POST', `/v1/placements/${stay.placementId}/discharge`, {
        on: addDays(today, -14),
        reason: n % 2 === 0 ? 'returned_to_family' : 'more_independent_living',
        destination: { kind: n % 2 === 0 ? 'family_home' : 'own_housing' },
      });
      gone.add(stay.placementId);
      summary.discharged++;
    }

    // the day centres' attendance of the last week
    for (const site of opened.filter((s) => serviceType(s.serviceType).kind === 'day')) {
      const enrolled = stays.filter((s) => s.site.siteId === site.siteId && !gone.has(s.placementId));
      if (enrolled.length === 0) continue;
      for (let d = 7; d >= 1; d--) {
        const date = addDays(today, -d);
        const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
        if (weekday === 0 || weekday === 6) continue;
        await cm('POST', `/v1/sites/${site.siteId}/attendance`, {
          date,
          records: enrolled.map((s, k) => ({ placementId: s.placementId, attended: (k + d) % 7 !== 0 })),
        });
      }
    }

    // vacancies offered to the next in line, where someone is waiting for one
    const waitingIds = new Set(people.filter((p) => !p.resident).map((p) => p.applicationId));
    for (const site of opened.filter((s) => serviceType(s.serviceType).kind.startsWith('residential'))) {
      const { vacancies } = (await cm('GET', `/v1/sites/${site.siteId}`)) as { vacancies: number };
      const list = await waitingList(site.serviceType);
      if (vacancies < 1 || !list.some((w) => !w.offer && waitingIds.has(w.entryId))) continue;
      await cm('POST', `/v1/sites/${site.siteId}/offers`, { from: addDays(today, 7) });
      summary.offers++;
    }
    log(`${municipality}: ${stays.length} stays, ${summary.transferred} transfers so far`);

    const billed = await seedBilling(await as(`demo-billing-${municipality}`, 'billing_officer'), until, {
      municipality,
      today,
      sites: opened.map((s) => ({
        siteId: s.siteId,
        serviceType: s.serviceType,
        openedOn: addDays(today, -730),
      })),
      stays: stays.map((s) => ({
        clientId: s.clientId,
        from: s.from,
        stateFunded: serviceType(s.site.serviceType).defaultFunding === 'state_delegated',
      })),
    });
    summary.statements += billed.statements;
    summary.payments += billed.payments;
    log(`${municipality}: ${billed.statements} statements of the last four months, ${billed.payments} paid`);
  }
  return summary;
}

/** A pension from long before: what the fees of most services are a share of (synthetic amounts). */
const pension = (cm: Call, clientId: string, today: LocalDate, n: number) =>
  cm('POST', `/v1/clients/${clientId}/facts/incomes`, {
    source: 'pension',
    monthlyAmount: { amountMinor: 42_000 + (n % 12) * 2_500, currency: 'EUR' },
    validFrom: addDays(today, -800),
  });

/** The ТЕЛК decision on the person's disability, valid for years around today. */
const decision = (cm: Call, clientId: string, today: LocalDate) =>
  cm('POST', `/v1/clients/${clientId}/facts/disability-assessments`, {
    degreePercent: 50 + (clientId.charCodeAt(35) % 45),
    outsideAssistanceNeeded: false,
    commission: 'TELK',
    decisionNumber: `${clientId.slice(0, 4)}/demo`,
    decidedOn: addDays(today, -400),
    validFrom: addDays(today, -400),
    validTo: addDays(today, 1000),
  });

/** An application through intake, with its needs assessment (so many days from today) and referral. */
async function apply(
  cm: Call,
  clientId: string,
  type: ServiceTypeCode,
  municipality: MunicipalityCode,
  today: LocalDate,
  assessedOffsetDays = -30,
) {
  const { applicationId } = (await cm('POST', '/v1/applications', {
    clientId,
    serviceType: type,
    municipality,
    submittedOn: addDays(today, -45),
  })) as { applicationId: string };
  await cm('POST', `/v1/clients/${clientId}/needs-assessments`, {
    assessedOn: addDays(today, assessedOffsetDays),
    applicationId,
    findings: [{ domain: 'housing', level: 'high', finding: 'Needs support (synthetic demo)' }],
    recommendedServiceType: type,
  });
  const referral = serviceType(type).referral;
  if (referral.required)
    await cm('POST', `/v1/applications/${applicationId}/referral`, {
      issuer: referral.issuer,
      issuedBy: referral.issuer === 'directorate' ? oblastOf(municipality) : municipality,
      referralNumber: `DEMO-${applicationId.slice(0, 6)}`,
      issuedOn: addDays(today, -28),
    });
  return applicationId;
}
