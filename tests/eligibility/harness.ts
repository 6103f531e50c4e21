import { composeEgn } from '@casework/contracts';
import { eligibility } from '@casework/eligibility';
import { intake } from '@casework/intake';
import { eventually, requestsAs, type TestApp, testApp } from '@casework/testkit';
import type { LightMyRequestResponse } from 'fastify';
import type { Test } from 'tap';

export type Both = TestApp & {
  cm: { authorization: string };
  supervisor: { authorization: string };
  post: (url: string, payload: object, headers?: object) => Promise<LightMyRequestResponse>;
  get: (url: string, headers?: object) => Promise<LightMyRequestResponse>;
  /** Registers a person in intake (born on `birthDate`) and returns the client id. */
  register: (serial: number, birthDate?: string) => Promise<string>;
  /** Waits until everything intake recorded has been published and consumed by eligibility. */
  settled: () => Promise<void>;
  /** Polls a client's eligibility for a service type until `ready` holds. */
  eligibilityOf: (
    clientId: string,
    serviceType: string,
    ready: (s: ServiceView) => boolean,
  ) => Promise<ServiceView | undefined>;
};

export type ServiceView = {
  serviceType: string;
  effectiveOutcome: string;
  decreed?: { by: string; outcome: string; until: string };
  current: {
    determinationId: string;
    outcome: string;
    missing: string[];
    validUntil: string;
    criteria: { kind: string; result: string; reason: string; facts: { eventId: string }[] }[];
    ruleSet: { ruleSetId: string; version: number };
    trigger: { kind: string };
  };
  appeals: { appealId: string; status: string }[];
};

/** Intake and eligibility in one app, talking through JetStream, as two services would. */
export async function setUp(t: Test, options: { clock?: () => Date } = {}): Promise<Both> {
  const h = await testApp(t, [intake, eligibility], options);
  const cm = await h.as(['case_manager'], { municipality: 'BLG01' }, 'cm-bansko-1');
  const supervisor = await h.as(['supervisor'], { municipality: 'BLG01' }, 'sup-bansko');
  const { post, get } = requestsAs(h.app, cm);
  return {
    ...h,
    cm,
    supervisor,
    post,
    get,
    register: async (serial, birthDate = '1980-05-20') => {
      const r = await post('/v1/clients', {
        identifier: { kind: 'egn', value: composeEgn(birthDate, serial) },
        givenName: 'Иван',
        familyName: 'Тестов',
        municipality: 'BLG01',
      });
      if (r.statusCode !== 201) throw new Error(`registration failed: ${r.statusCode} ${r.body}`);
      return r.json().clientId;
    },
    settled: async () => {
      const [producer, consumer] = h.app.hosted;
      let lags: number[] = [];
      const done = await eventually(async () => {
        lags = [
          await producer!.relay!.lag(),
          ...(await Promise.all(consumer!.consumers.map((c) => c.consumer.lag()))),
        ];
        return lags.every((l) => l === 0) ? true : undefined;
      });
      if (!done)
        throw new Error(`intake’s events did not reach eligibility in time (lags ${lags.join(', ')})`);
    },
    eligibilityOf: (clientId, serviceType, ready) =>
      eventually(async () => {
        const r = await get(`/v1/eligibility/clients/${clientId}/eligibility`);
        if (r.statusCode !== 200) return undefined;
        const s = (r.json().services as ServiceView[]).find((x) => x.serviceType === serviceType);
        return s && ready(s) ? s : undefined;
      }),
  };
}
