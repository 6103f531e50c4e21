import { composeEgn } from '@casework/contracts';
import { requestsAs, type TestApp, testApp } from '@casework/testkit';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import type { Test } from 'tap';
import { intake } from '../src/plugin.js';

export type Intake = TestApp & {
  cm: { authorization: string };
  supervisor: { authorization: string };
  post: (url: string, payload: object, headers?: object) => Promise<LightMyRequestResponse>;
  get: (url: string, headers?: object) => Promise<LightMyRequestResponse>;
  register: (
    serial: number,
    over?: object,
  ) => Promise<{ clientId: string; version: number; caseNumber: string }>;
  eventCount: () => Promise<number>;
};

/** Intake alone on PostgreSQL and JetStream, with a case manager and a supervisor of Bansko. */
export async function setUp(t: Test, options: Parameters<typeof testApp>[2] = {}): Promise<Intake> {
  const h = await testApp(t, [intake], options);
  const cm = await h.as(['case_manager'], { municipality: 'BLG01' }, 'cm-bansko-1');
  const supervisor = await h.as(['supervisor'], { municipality: 'BLG01' }, 'sup-bansko');
  const { post, get } = requestsAs(h.app, cm);
  return {
    ...h,
    cm,
    supervisor,
    post,
    get,
    register: async (serial, over = {}) => {
      const r = await post('/v1/clients', {
        identifier: { kind: 'egn', value: composeEgn('1985-04-12', serial) },
        givenName: 'Иван',
        familyName: 'Тестов',
        municipality: 'BLG01',
        ...over,
      });
      if (r.statusCode !== 201) throw new Error(`registration failed: ${r.statusCode} ${r.body}`);
      return r.json();
    },
    eventCount: async () => {
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM intake.events`.execute(
        h.database.db,
      );
      return rows[0]!.n;
    },
  };
}
