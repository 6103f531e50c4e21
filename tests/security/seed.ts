import { addDays, composeEgn, type LocalDate, type OblastCode, sofiaDate } from '@casework/contracts';
import { allServices } from '@casework/platform/services';
import { municipalitiesOf } from '@casework/reference-data';
import type { Principal, ServiceModule } from '@casework/service-kit';
import { eventually, type TestApp, testApp } from '@casework/testkit';
import type { LightMyRequestResponse, RouteOptions } from 'fastify';
import type { Test } from 'tap';

/** The kinds of record a request can name, by the name its id goes by in paths, queries and bodies. */
export const ID_KINDS = [
  'clientId',
  'applicationId',
  'entryId',
  'siteId',
  'placementId',
  'offerId',
  'determinationId',
  'appealId',
  'assessmentId',
  'factId',
  'memberId',
  'absenceId',
  'taskId',
] as const;
export type IdKind = (typeof ID_KINDS)[number];

export type Municipality = 'BLG01' | 'MON29';
export type Role = Principal['roles'][number];

/** One municipality of the seeded instance: its oblast and the ids of its records, by kind. */
export type Scope = {
  municipality: Municipality;
  oblast: string;
  ids: Record<IdKind, string[]>;
  /** A rule set of the municipality's own (drafted by its supervisor). */
  ruleSetId: string;
  /** The ЕГН of its people (synthetic), for searches and registrations naming them. */
  identifiers: string[];
};

export type Seeded = TestApp & {
  today: LocalDate;
  scopes: Record<Municipality, Scope>;
  /** A bearer header for a role in a municipality (its oblast for the analyst), or without scope. */
  caller: (role: Role, where: Municipality | 'none', sub?: string) => Promise<{ authorization: string }>;
  /** Every seeded id with the municipality that owns it. */
  owner: Map<string, Municipality>;
  /** The record a seeded id belongs to (a fact, member, determination or appeal: its client; an absence: its placement). */
  parent: Map<string, string>;
  /** The records a seeded id belongs with (an offer: its client, site and entry), to name them together. */
  related: Map<string, Partial<Record<IdKind, string>>>;
};

export const OBLAST: Record<Municipality, string> = { BLG01: 'BG-01', MON29: 'BG-12' };
export const MUNICIPALITIES: Municipality[] = ['BLG01', 'MON29'];

/** The municipalities a role's token covers in a municipality: its own, or its oblast's (an analyst). */
export function coverage(role: Role, where: Municipality): string[] {
  return role === 'directorate_analyst'
    ? municipalitiesOf(OBLAST[where] as OblastCode).map((m) => m.code)
    : [where];
}

const MUNICIPAL_ROLES: readonly Role[] = ['case_manager', 'supervisor', 'billing_officer'];

/** The scope a role's token carries in a municipality: the municipality, or its oblast, or none. */
export function scopeClaim(
  role: Role,
  where: Municipality | 'none',
): { municipality?: string; oblast?: string } {
  if (where === 'none') return {};
  if (MUNICIPAL_ROLES.includes(role)) return { municipality: where };
  if (role === 'directorate_analyst') return { oblast: OBLAST[where] };
  return {}; // integrators and administrators are national
}

/**
 * The whole platform (intake, eligibility, placement, billing) with records in Bansko (BLG01,
 * Blagoevgrad) and Montana (MON29, Montana), made through the API as case managers and supervisors
 * would: people with facts, a household member, applications with needs assessments and referrals
 * (which eligibility decides and placement lists), two sites each, an admission with absences (one over
 * the yearly limit, which opens a task), an offer, an appeal and a rule set of the municipality's own.
 */
export async function seedInstance(
  t: Test,
  options: { onRoute?: (route: RouteOptions) => void } = {},
): Promise<Seeded> {
  // the services' routes as Fastify registers them, for a route table
  const { onRoute } = options;
  const services: ServiceModule[] = onRoute
    ? allServices.map((m) => ({
        ...m,
        routes: async (scope, opts) => {
          scope.addHook('onRoute', onRoute);
          await scope.register(m.routes, opts);
        },
      }))
    : [...allServices];
  const h = await testApp(t, services, {
    transport: 'in-process',
    logLevel: process.env.SECURITY_LOG_LEVEL ?? 'silent',
  });
  const today = sofiaDate(new Date());
  const caller = (role: Role, where: Municipality | 'none', sub = `${role}-${where}`) =>
    h.as([role], scopeClaim(role, where), sub);
  const scopes = {} as Record<Municipality, Scope>;
  const owner = new Map<string, Municipality>();
  const parent = new Map<string, string>();
  const related = new Map<string, Partial<Record<IdKind, string>>>();
  const relate = (id: unknown, rel: Partial<Record<IdKind, unknown>>) =>
    related.set(String(id), { ...related.get(String(id)), ...(rel as Partial<Record<IdKind, string>>) });
  let serial = 1;
  for (const municipality of MUNICIPALITIES) {
    const cm = await caller('case_manager', municipality);
    const sup = await caller('supervisor', municipality);
    const call = async (method: 'GET' | 'POST', url: string, body?: object, who = cm) => {
      const r: LightMyRequestResponse = await h.app.inject({
        method,
        url,
        headers: who,
        ...(body ? { payload: body } : {}),
      });
      if (r.statusCode >= 300) throw new Error(`seed ${method} ${url}: ${r.statusCode} ${r.body}`);
      return r.json() as Record<string, unknown> & { items?: Record<string, unknown>[] };
    };
    const ids = Object.fromEntries(ID_KINDS.map((k) => [k, [] as string[]])) as Record<IdKind, string[]>;
    const keep = (kind: IdKind, id: unknown, of?: string) => {
      if (typeof id !== 'string') throw new Error(`seed: no ${kind}`);
      if (of) {
        parent.set(id, of);
        relate(id, { [kind === 'absenceId' ? 'placementId' : 'clientId']: of });
      }
      ids[kind].push(id);
      owner.set(id, municipality);
      return id;
    };

    const identifiers: string[] = [];
    const register = async (givenName: string) =>
      keep(
        'clientId',
        (
          await call('POST', '/v1/clients', {
            identifier: { kind: 'egn', value: egn(identifiers) },
            givenName,
            familyName: `Синтетичен-${municipality}`,
            municipality,
          })
        ).clientId,
      );
    const clients = [await register('Мария'), await register('Иван'), await register('Петя')];
    await register('Дубликат'); // a spare record, for merges

    // sites: a protected home with room, and one more to transfer to and offer places in
    const site = (name: string, places: number) =>
      call(
        'POST',
        '/v1/sites',
        {
          name: `${name} ${municipality} (synthetic)`,
          serviceType: 'protected_housing',
          municipality,
          address: `Synthetic street 1, ${municipality}`,
          provider: 'Synthetic provider',
          funding: 'municipal',
          openedOn: addDays(today, -700),
          places,
        },
        sup,
      );
    const home = keep('siteId', (await site('Home', 4)).siteId);
    const second = keep('siteId', (await site('Second home', 3)).siteId);

    // facts, a household member, applications with assessments and referrals
    for (const clientId of clients) {
      keep(
        'factId',
        (
          await call('POST', `/v1/clients/${clientId}/facts/disability-assessments`, {
            degreePercent: 72,
            outsideAssistanceNeeded: false,
            commission: 'TELK',
            decisionNumber: `${serial}/synthetic`,
            decidedOn: addDays(today, -300),
            validFrom: addDays(today, -300),
            validTo: addDays(today, 1000),
          })
        ).factId,
        clientId,
      );
      const { applicationId } = await call('POST', '/v1/applications', {
        clientId,
        serviceType: 'protected_housing',
        municipality,
        submittedOn: addDays(today, -40),
      });
      keep('applicationId', applicationId);
      keep('entryId', applicationId);
      relate(applicationId, { clientId });
      const assessmentId = keep(
        'assessmentId',
        (
          await call('POST', `/v1/clients/${clientId}/needs-assessments`, {
            assessedOn: addDays(today, -30),
            applicationId,
            findings: [{ domain: 'housing', level: 'high', finding: 'Needs support (synthetic)' }],
            recommendedServiceType: 'protected_housing',
          })
        ).assessmentId,
      );
      relate(assessmentId, { clientId, applicationId });
      await call('POST', `/v1/applications/${applicationId}/referral`, {
        issuer: 'municipality',
        issuedBy: municipality,
        referralNumber: `SYN-${String(applicationId).slice(0, 6)}`,
        issuedOn: addDays(today, -28),
      });
    }
    keep(
      'factId',
      (
        await call('POST', `/v1/clients/${clients[0]}/facts/incomes`, {
          source: 'pension',
          monthlyAmount: { amountMinor: 32000, currency: 'EUR' },
          validFrom: addDays(today, -200),
        })
      ).factId,
      clients[0],
    );
    const household = await call('POST', `/v1/clients/${clients[0]}/household-members`, {
      relation: 'sibling',
      givenName: 'Стоян',
      familyName: 'Синтетичен',
      memberClientId: clients[2],
      from: addDays(today, -100),
    });
    keep('memberId', (household.household as { memberId: string }[])[0]?.memberId, clients[0]);

    // everyone decided by eligibility and on placement's list
    const listed = await eventually(async () => {
      const r = await call('GET', '/v1/waiting-lists?serviceType=protected_housing&limit=100');
      const on = new Set((r.items ?? []).map((i) => i.entryId));
      return ids.entryId.every((e) => on.has(e)) ? true : undefined;
    }, 60_000);
    if (!listed) throw new Error(`seed: the ${municipality} applications did not reach the waiting list`);
    for (const clientId of clients) {
      const page = await call('GET', `/v1/eligibility/determinations?clientId=${clientId}&limit=10`);
      for (const d of page.items ?? []) keep('determinationId', d.determinationId, clientId);
    }
    // a refusal (a disability degree below the threshold), appealed
    const refused = await register('Отказан');
    await call('POST', `/v1/clients/${refused}/facts/disability-assessments`, {
      degreePercent: 30,
      outsideAssistanceNeeded: false,
      commission: 'TELK',
      decisionNumber: `${serial}/synthetic`,
      decidedOn: addDays(today, -300),
      validFrom: addDays(today, -300),
      validTo: addDays(today, 1000),
    });
    keep(
      'applicationId',
      (
        await call('POST', '/v1/applications', {
          clientId: refused,
          serviceType: 'protected_housing',
          municipality,
          submittedOn: addDays(today, -20),
        })
      ).applicationId,
    );
    const refusal = await eventually(async () => {
      const page = await call('GET', `/v1/eligibility/determinations?clientId=${refused}&outcome=ineligible`);
      return page.items?.[0]?.determinationId as string | undefined;
    });
    keep('determinationId', refusal, refused);
    const appealed = await call(
      'POST',
      `/v1/eligibility/clients/${refused}/determinations/${refusal}/appeals`,
      { notifiedOn: addDays(today, -5), lodgedOn: addDays(today, -2) },
    );
    const appealId = keep('appealId', (appealed.appeals as { appealId: string }[])[0]?.appealId, refused);
    relate(appealId, { determinationId: refusal });

    // an admission (emergency, backdated), an absence over the yearly limit (a task), an open absence
    const admitted = await call(
      'POST',
      '/v1/placements',
      {
        clientId: clients[0],
        siteId: home,
        on: addDays(today, -400),
        emergency: { justification: 'No safe place to stay (synthetic case)' },
      },
      sup,
    );
    const placementId = keep('placementId', admitted.placementId);
    relate(placementId, { clientId: clients[0], siteId: home });
    const away = await call('POST', `/v1/placements/${placementId}/absences`, {
      from: addDays(today, -330),
      kind: 'holiday',
    });
    const firstAbsence = (away.absences as { absenceId: string }[])[0]?.absenceId;
    await call('POST', `/v1/placements/${placementId}/absences/${firstAbsence}/end`, {
      returnedOn: addDays(today, -200),
    });
    keep('absenceId', firstAbsence, placementId);
    const again = await call('POST', `/v1/placements/${placementId}/absences`, {
      from: addDays(today, -3),
      kind: 'hospital',
    });
    keep('absenceId', (again.absences as { absenceId: string }[]).at(-1)?.absenceId, placementId);
    const tasks = await eventually(async () => {
      const r = await call('GET', `/v1/tasks?municipality=${municipality}`);
      return r.items?.length ? r.items : undefined;
    });
    if (!tasks) throw new Error(`seed: no task opened in ${municipality} for the absence over the limit`);
    for (const task of tasks) {
      keep('taskId', task.taskId);
      relate(task.taskId, { clientId: task.clientId, placementId: task.placementId });
    }

    // an offer of the second home's place to the next in line
    const offer = await call('POST', `/v1/sites/${second}/offers`, { from: addDays(today, 7) });
    keep('offerId', offer.offerId);
    relate(offer.offerId, { clientId: offer.clientId, siteId: offer.siteId, entryId: offer.entryId });

    // a rule set of the municipality's own, drafted by its supervisor
    const ruleSetId = `protected_housing:${municipality}`;
    await call(
      'POST',
      `/v1/eligibility/rule-sets/${ruleSetId}/versions`,
      {
        criteria: [
          { kind: 'age', min: 18 },
          { kind: 'disability_degree', minPercent: 50 },
        ],
        validityMonths: 12,
      },
      sup,
    );
    scopes[municipality] = { municipality, oblast: OBLAST[municipality], ids, ruleSetId, identifiers };
  }
  return { ...h, today, scopes, caller, owner, parent, related };

  function egn(into: string[]) {
    const value = composeEgn('1970-03-15', serial++);
    into.push(value);
    return value;
  }
}

/**
 * A client whose case moved (POST /move answered 2xx): the records of both municipalities may now name
 * it, so it and what hangs on it (facts, members, determinations, appeals, its applications and
 * assessments, offers made to it) are no longer drawn nor judged by owner. A move by a caller outside
 * the client's scope is a finding of its own.
 */
export function forgetMoved(s: Pick<Seeded, 'scopes' | 'owner' | 'parent' | 'related'>, clientId: string) {
  // its own records (a fact, a member) and those that name it (an application, an assessment, an offer)
  const hangsOn = (x: string) =>
    x === clientId || s.parent.get(x) === clientId || s.related.get(x)?.clientId === clientId;
  for (const m of MUNICIPALITIES)
    for (const kind of ID_KINDS) {
      const list = s.scopes[m].ids[kind];
      for (const id of list.filter(hangsOn)) {
        list.splice(list.indexOf(id), 1);
        s.owner.delete(id);
      }
    }
}
