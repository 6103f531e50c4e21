import { composeEgn } from '@casework/contracts';
import { intake } from '@casework/intake';
import { placement } from '@casework/placement';
import { eventually, requestsAs, type TestApp, testApp } from '@casework/testkit';
import type { LightMyRequestResponse } from 'fastify';
import type { Test } from 'tap';

type Caller = { authorization: string };

export type Placement = TestApp & {
  cm: Caller;
  supervisor: Caller;
  post: (url: string, payload: object, headers?: object) => Promise<LightMyRequestResponse>;
  get: (url: string, headers?: object) => Promise<LightMyRequestResponse>;
  /** Registers a person in intake and waits until placement knows them; returns the client id. */
  register: (serial: number) => Promise<string>;
  /** Registers several people at once and waits until placement knows them all. */
  registerMany: (serials: number[]) => Promise<string[]>;
  /** Opens a site in Bansko (BLG01) and returns its id. */
  openSite: (serviceType: string, places: number, openedOn?: string) => Promise<string>;
  /** Admits in an emergency as Bansko's supervisor. */
  admit: (clientId: string, siteId: string, on: string, extra?: object) => Promise<LightMyRequestResponse>;
};

/** Intake and placement in one app, talking through JetStream, as two services would. */
export async function setUp(t: Test, options: { clock?: () => Date } = {}): Promise<Placement> {
  const h = await testApp(t, [intake, placement], options);
  const cm = await h.as(['case_manager'], { municipality: 'BLG01' }, 'cm-bansko-1');
  const supervisor = await h.as(['supervisor'], { municipality: 'BLG01' }, 'sup-bansko');
  const { post, get } = requestsAs(h.app, cm);
  const known = (clientId: string) =>
    eventually(async () =>
      (await get(`/v1/placement/clients/${clientId}`)).statusCode === 200 ? true : undefined,
    );
  const registerOnly = async (serial: number) => {
    const r = await post('/v1/clients', {
      identifier: { kind: 'egn', value: composeEgn('1985-04-12', serial) },
      givenName: 'Мария',
      familyName: 'Примерова',
      municipality: 'BLG01',
    });
    if (r.statusCode !== 201) throw new Error(`registration failed: ${r.statusCode} ${r.body}`);
    return r.json().clientId as string;
  };
  const registerMany = async (serials: number[]) => {
    const ids = await Promise.all(serials.map(registerOnly));
    for (const id of ids) if (!(await known(id))) throw new Error('placement did not learn of the client');
    return ids;
  };
  return {
    ...h,
    cm,
    supervisor,
    post,
    get,
    register: async (serial) => (await registerMany([serial]))[0]!,
    registerMany,
    openSite: async (serviceType, places, openedOn = '2026-01-05') => {
      const r = await post(
        '/v1/sites',
        {
          name: `Synthetic ${serviceType}`,
          serviceType,
          municipality: 'BLG01',
          address: 'Synthetic street 1, Bansko',
          provider: 'Synthetic provider',
          funding: 'municipal',
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
