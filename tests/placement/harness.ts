import { randomUUID } from 'node:crypto';
import { composeEgn, ServiceTypeCode } from '@casework/contracts';
import { eligibility } from '@casework/eligibility';
import { EventStore } from '@casework/eventstore';
import { intake } from '@casework/intake';
import { placement } from '@casework/placement';
import { serviceType as catalogued } from '@casework/reference-data';
import type { ServiceContext, ServiceModule } from '@casework/service-kit';
import { eventually, requestsAs, type TestApp, testApp } from '@casework/testkit';
import type { LightMyRequestResponse } from 'fastify';
import type { Test } from 'tap';

type Caller = { authorization: string };

/**
 * A service's context over the platform's database and transport, for calling its application code
 * directly: an event store of its own each time, as another instance of the service would have.
 */
export const serviceContext = (
  p: TestApp,
  service: ServiceContext['service'],
  clock: () => Date,
): ServiceContext => ({
  service,
  store: new EventStore(p.database, service),
  transport: p.transport,
  clock,
  newId: randomUUID,
  secrets: { identifierKey: 'not-used-here' },
  log: p.app.log,
});

export type Placement = TestApp & {
  cm: Caller;
  supervisor: Caller;
  post: (url: string, payload: object, headers?: object) => Promise<LightMyRequestResponse>;
  get: (url: string, headers?: object) => Promise<LightMyRequestResponse>;
  /** Registers a person in intake and waits until placement knows them; returns the client id. */
  register: (serial: number) => Promise<string>;
  /** Registers several people at once and waits until placement knows them all. */
  registerMany: (serials: number[]) => Promise<string[]>;
  /** Registers a person in another municipality, by that municipality's case manager. */
  registerIn: (serial: number, municipality: string, caller: Caller) => Promise<string>;
  /** Opens a site in Bansko (BLG01) and returns its id. */
  /** Opens a site in Bansko, funded as its service type is by default unless `funding` says otherwise. */
  openSite: (serviceType: string, places: number, openedOn?: string, funding?: string) => Promise<string>;
  /**
   * Makes a registered client eligible for a service type through intake (a ТЕЛК decision, an
   * application, a needs assessment recommending it, a referral where one is needed) and waits until
   * placement has them on its waiting list; returns the entry (application) id.
   */
  makeEligible: (
    clientId: string,
    serviceType: string,
    options?: { assessedOn?: string; listed?: boolean; municipality?: string; caller?: Caller },
  ) => Promise<string>;
  /** Waits until a waiting-list entry reads as `ready` says. */
  entry: (
    entryId: string,
    ready: (e: Record<string, unknown>) => boolean,
  ) => Promise<Record<string, unknown> | undefined>;
  /** Admits in an emergency as Bansko's supervisor. */
  admit: (clientId: string, siteId: string, on: string, extra?: object) => Promise<LightMyRequestResponse>;
};

const REFERRAL_NEEDED = new Set([
  'protected_housing',
  'social_housing_special_status',
  'day_centre_adults_disabilities',
]);
/** Service types whose default rule set asks for a needs assessment recommending them. */
const ASSESSED = new Set([
  'protected_housing',
  'social_housing_special_status',
  'day_centre_elderly',
  'rehabilitation_centre',
]);

/**
 * Intake, eligibility and placement (and any service `also` names) in one app, talking through JetStream,
 * as separate services would.
 */
export async function setUp(
  t: Test,
  options: { clock?: () => Date; also?: ServiceModule[] } = {},
): Promise<Placement> {
  const { also = [], ...appOptions } = options;
  const h = await testApp(t, [intake, eligibility, placement, ...also], appOptions);
  const cm = await h.as(['case_manager'], { municipality: 'BLG01' }, 'cm-bansko-1');
  const supervisor = await h.as(['supervisor'], { municipality: 'BLG01' }, 'sup-bansko');
  const { post, get } = requestsAs(h.app, cm);
  const known = (clientId: string, caller: Caller = cm) =>
    eventually(async () =>
      (await get(`/v1/placement/clients/${clientId}`, caller)).statusCode === 200 ? true : undefined,
    );
  const registerOnly = async (serial: number, municipality = 'BLG01', caller: Caller = cm) => {
    const r = await post(
      '/v1/clients',
      {
        identifier: { kind: 'egn', value: composeEgn('1985-04-12', serial) },
        givenName: 'Мария',
        familyName: 'Примерова',
        municipality,
      },
      caller,
    );
    if (r.statusCode !== 201) throw new Error(`registration failed: ${r.statusCode} ${r.body}`);
    return r.json().clientId as string;
  };
  const registerMany = async (serials: number[]) => {
    const ids = await Promise.all(serials.map((n) => registerOnly(n)));
    for (const id of ids) if (!(await known(id))) throw new Error('placement did not learn of the client');
    return ids;
  };
  const entry = (entryId: string, ready: (e: Record<string, unknown>) => boolean) =>
    eventually(async () => {
      const r = await get(`/v1/waiting-lists/entries/${entryId}`);
      return r.statusCode === 200 && ready(r.json()) ? (r.json() as Record<string, unknown>) : undefined;
    });
  const ok = async (r: Promise<LightMyRequestResponse>) => {
    const res = await r;
    if (res.statusCode >= 300) throw new Error(`${res.statusCode} ${res.body}`);
    return res.json();
  };
  const makeEligible = async (
    clientId: string,
    serviceType: string,
    {
      assessedOn = '2026-09-10',
      listed = true,
      municipality = 'BLG01',
      caller = cm,
    }: { assessedOn?: string; listed?: boolean; municipality?: string; caller?: Caller } = {},
  ) => {
    const post = (url: string, payload: object) => requestsAs(h.app, caller).post(url, payload);
    const get = (url: string) => requestsAs(h.app, caller).get(url);
    await ok(
      post(`/v1/clients/${clientId}/facts/disability-assessments`, {
        degreePercent: 72,
        outsideAssistanceNeeded: false,
        commission: 'TELK',
        decisionNumber: '0815/2026',
        decidedOn: '2026-03-01',
        validFrom: '2026-03-01',
        validTo: '2029-02-28',
      }),
    );
    const { applicationId } = await ok(
      post('/v1/applications', { clientId, serviceType, municipality, submittedOn: '2026-09-01' }),
    );
    if (ASSESSED.has(serviceType))
      await ok(
        post(`/v1/clients/${clientId}/needs-assessments`, {
          assessedOn,
          applicationId,
          findings: [{ domain: 'housing', level: 'high', finding: 'Needs support (synthetic)' }],
          recommendedServiceType: serviceType,
        }),
      );
    if (REFERRAL_NEEDED.has(serviceType))
      await ok(
        post(`/v1/applications/${applicationId}/referral`, {
          issuer: 'municipality',
          issuedBy: municipality,
          referralNumber: `Н-${applicationId.slice(0, 4)}`,
          issuedOn: '2026-09-14',
        }),
      );
    // on the list as its readers see it (the list follows the log)
    const onList = async () => {
      const r = await get(`/v1/waiting-lists?serviceType=${serviceType}&limit=100`);
      return (r.json().items as { entryId: string }[]).some((i) => i.entryId === applicationId)
        ? true
        : undefined;
    };
    if (listed && !(await eventually(onList)))
      throw new Error(`the application for ${serviceType} did not reach the waiting list`);
    return applicationId as string;
  };
  return {
    ...h,
    makeEligible,
    entry,
    cm,
    supervisor,
    post,
    get,
    register: async (serial) => (await registerMany([serial]))[0]!,
    registerMany,
    registerIn: async (serial, municipality, caller) => {
      const id = await registerOnly(serial, municipality, caller);
      if (!(await known(id, caller))) throw new Error('placement did not learn of the client');
      return id;
    },
    openSite: async (serviceType, places, openedOn = '2026-01-05', funding) => {
      const r = await post(
        '/v1/sites',
        {
          name: `Synthetic ${serviceType}`,
          serviceType,
          municipality: 'BLG01',
          address: 'Synthetic street 1, Bansko',
          provider: 'Synthetic provider',
          // funded as its service type is by default (DOMAIN §3): billing remits the state's share of it
          funding: funding ?? catalogued(ServiceTypeCode.parse(serviceType)).defaultFunding,
          openedOn,
          places,
        },
        supervisor,
      );
      if (r.statusCode !== 201) throw new Error(`opening a site failed: ${r.statusCode} ${r.body}`);
      return r.json().siteId;
    },
    admit: (clientId, siteId, on, extra = {}) =>
      post(
        '/v1/placements',
        {
          clientId,
          siteId,
          on,
          emergency: { justification: 'No safe place to stay tonight (synthetic case)' },
          ...extra,
        },
        supervisor,
      ),
  };
}
