import {
  type CaseworkClient,
  CaseworkProblem,
  clientCredentials,
  createCaseworkClient,
} from '@casework/client';
import { composeEgn } from '@casework/contracts';
import { createPlatform } from '@casework/host';
import { Config } from '@casework/host/config';
import { allServices } from '@casework/platform/services';
import { eventually } from '@casework/testkit';
import t from 'tap';
import { distributedEnv, token } from './harness.js';

/**
 * Issue 20: an integrator's whole journey through `@casework/client` alone, against the platform listening
 * on a port (PostgreSQL and JetStream): register → apply → determination → waiting list → offer →
 * admission → transfer → discharge. No request here is built by hand.
 */
/** A record another service has not learned of yet reads as absent: asked again until it has. */
const notYet = (e: unknown) => {
  if (e instanceof CaseworkProblem && e.status === 404) return undefined;
  throw e;
};

t.test('a person from registration to discharge, through the typed client only', async (t) => {
  const platform = await createPlatform(
    Config.parse({ ...(await distributedEnv(t)), LOG_LEVEL: 'silent' }),
    allServices,
  );
  t.teardown(() => platform.close());
  const baseUrl = await platform.app.listen({ port: 0, host: '127.0.0.1' });

  const caseManager = createCaseworkClient({
    baseUrl,
    token: () => token(['case_manager'], { municipality: 'BLG01' }, 'cm-client-journey'),
  });
  const supervisor = createCaseworkClient({
    baseUrl,
    token: await token(['supervisor'], { municipality: 'BLG01' }, 'sup-client-journey'),
  });

  const openSite = async (serviceType: 'protected_housing' | 'social_housing_special_status') =>
    (
      await supervisor.post('/v1/sites', {
        body: {
          name: `Synthetic ${serviceType}`,
          serviceType,
          municipality: 'BLG01',
          address: 'Synthetic street 1, Bansko',
          provider: 'Synthetic provider',
          funding: 'state_delegated',
          openedOn: '2026-01-05',
          places: 4,
        },
      })
    ).data.siteId;
  const housing = await openSite('protected_housing');
  const flat = await openSite('social_housing_special_status');

  // register
  const registered = await caseManager.post('/v1/clients', {
    body: {
      identifier: { kind: 'egn', value: composeEgn('1985-04-12', 731) },
      givenName: 'Мария',
      familyName: 'Примерова',
      municipality: 'BLG01',
    },
  });
  t.equal(registered.status, 201);
  t.match(registered.location, /\/v1\/clients\/[0-9a-f-]{36}$/, 'where the record is read');
  const clientId = registered.data.clientId;
  const read = await caseManager.get('/v1/clients/{clientId}', { params: { path: { clientId } } });
  t.equal(read.etag, `"${read.data.version}"`, 'a read carries its version as ETag');

  // a command decided on a stale read is refused, typed: 412 with its problem
  await caseManager.post('/v1/clients/{clientId}/contact-details', {
    params: { path: { clientId } },
    body: { phone: '+359 88 000 0001' },
    ifMatch: read.etag!,
  });
  const stale = await caseManager
    .post('/v1/clients/{clientId}/contact-details', {
      params: { path: { clientId } },
      body: { phone: '+359 88 000 0002' },
      ifMatch: read.etag!,
    })
    .catch((e: unknown) => e);
  t.ok(stale instanceof CaseworkProblem, 'a refusal is thrown as a CaseworkProblem');
  t.equal((stale as CaseworkProblem).status, 412, 'the ETag of the first read is stale');

  // apply, as the rules of protected housing ask: a disability decision, a needs assessment, a referral
  const apply = async (
    serviceType: 'protected_housing' | 'social_housing_special_status',
    assessedOn: string,
  ) => {
    const { data: application } = await caseManager.post('/v1/applications', {
      body: { clientId, serviceType, municipality: 'BLG01', submittedOn: '2026-09-01' },
    });
    await caseManager.post('/v1/clients/{clientId}/needs-assessments', {
      params: { path: { clientId } },
      body: {
        assessedOn,
        applicationId: application.applicationId,
        findings: [{ domain: 'housing', level: 'high', finding: 'Needs support (synthetic)' }],
        recommendedServiceType: serviceType,
      },
    });
    await caseManager.post('/v1/applications/{applicationId}/referral', {
      params: { path: { applicationId: application.applicationId } },
      body: {
        issuer: 'municipality',
        issuedBy: 'BLG01',
        referralNumber: `Н-${application.applicationId.slice(0, 4)}`,
        issuedOn: '2026-09-14',
      },
    });
    return application.applicationId;
  };
  await caseManager.post('/v1/clients/{clientId}/facts/disability-assessments', {
    params: { path: { clientId } },
    body: {
      degreePercent: 72,
      outsideAssistanceNeeded: false,
      commission: 'TELK',
      decisionNumber: '0815/2026',
      decidedOn: '2026-03-01',
      validFrom: '2026-03-01',
      validTo: '2029-02-28',
    },
  });
  const housingApplication = await apply('protected_housing', '2026-09-10');

  // the determination eligibility made from what intake published
  const determination = await eventually(async () => {
    const data = await caseManager
      .get('/v1/eligibility/clients/{clientId}/eligibility', { params: { path: { clientId } } })
      .then((r) => r.data, notYet);
    const service = data?.services.find((s) => s.serviceType === 'protected_housing');
    return service?.effectiveOutcome === 'eligible' ? service : undefined;
  });
  t.match(determination, { serviceType: 'protected_housing', effectiveOutcome: 'eligible' });

  // on the waiting list, found by paging through it
  const listed = async (
    serviceType: 'protected_housing' | 'social_housing_special_status',
    entryId: string,
  ) =>
    eventually(async () => {
      for await (const entry of caseManager.pages('/v1/waiting-lists', {
        params: { query: { serviceType, limit: 1 } },
      }))
        if (entry.entryId === entryId) return entry;
      return undefined;
    });
  t.match(await listed('protected_housing', housingApplication), {
    clientId,
    serviceType: 'protected_housing',
  });

  // offer, acceptance, admission
  const admitFrom = async (siteId: string, from: string) => {
    const { data: offer } = await caseManager.post('/v1/sites/{siteId}/offers', {
      params: { path: { siteId } },
      body: { from },
    });
    t.match(offer, { clientId, status: 'open' });
    const accepted = await caseManager.post('/v1/offers/{offerId}/accept', {
      params: { path: { offerId: offer.offerId } },
    });
    t.equal(accepted.data.status, 'accepted');
    return offer.offerId;
  };
  const housingOffer = await admitFrom(housing, '2026-11-16');
  const admission = {
    body: { clientId, siteId: housing, on: '2026-11-16', offerId: housingOffer },
    idempotencyKey: `admit-${clientId}`,
  };
  const admitted = await caseManager.post('/v1/placements', admission);
  t.equal(admitted.status, 201);
  t.match(admitted.data, { serviceType: 'protected_housing', basis: 'offer' });
  const again = await caseManager.post('/v1/placements', admission);
  t.equal(again.response.headers.get('idempotent-replayed'), 'true', 'the same key: the first answer again');
  t.equal(again.data.placementId, admitted.data.placementId, 'admitted once');

  // the step out: social housing with special status, by transfer
  const flatApplication = await apply('social_housing_special_status', '2026-11-23');
  await listed('social_housing_special_status', flatApplication);
  const flatOffer = await admitFrom(flat, '2027-01-15');
  const moved = await caseManager.post('/v1/placements/{placementId}/transfer', {
    params: { path: { placementId: admitted.data.placementId } },
    body: { toSiteId: flat, on: '2027-01-15', offerId: flatOffer },
  });
  t.match(moved.data, {
    serviceType: 'social_housing_special_status',
    basis: 'transfer',
    transferredFrom: admitted.data.placementId,
  });

  // discharge to her own home
  const discharged = await caseManager.post('/v1/placements/{placementId}/discharge', {
    params: { path: { placementId: moved.data.placementId } },
    body: { on: '2027-06-30', reason: 'more_independent_living', destination: { kind: 'own_housing' } },
  });
  t.match(discharged.data, { endedOn: '2027-06-30' });

  // followed from the placements list, one stay a page
  const stays = await eventually(async () => {
    const all = [];
    for await (const stay of caseManager.pages('/v1/placements', {
      params: { query: { clientId, limit: 1 } },
    }))
      all.push(stay);
    return all.length === 2 && all.every((s) => s.endedOn) ? all : undefined;
  });
  t.same(
    stays?.map((s) => [s.serviceType, s.from, s.endedOn]),
    [
      ['protected_housing', '2026-11-16', '2027-01-15'],
      ['social_housing_special_status', '2027-01-15', '2027-06-30'],
    ],
  );

  // bad input: a 400 naming the field, and another municipality's record reads as absent
  const invalid = await caseManager
    .post('/v1/placements/{placementId}/discharge', {
      params: { path: { placementId: moved.data.placementId } },
      body: { on: 'yesterday', reason: 'own_request', destination: { kind: 'unknown' } },
    })
    .catch((e: unknown) => e as CaseworkProblem);
  t.match(invalid, { status: 400, errors: [{ field: 'body.on' }] });
  const outsider: CaseworkClient = createCaseworkClient({
    baseUrl,
    token: await token(['case_manager'], { municipality: 'MON29' }, 'cm-elsewhere'),
  });
  const elsewhere = await outsider
    .get('/v1/placements/{placementId}', { params: { path: { placementId: moved.data.placementId } } })
    .catch((e: unknown) => e as CaseworkProblem);
  t.match(elsewhere, { status: 404, type: /not-found$/ });

  // Bansko's ERP, registered by an admin, follows the placements with its client credentials
  const admin = createCaseworkClient({ baseUrl, token: await token(['admin'], {}, 'admin-client-journey') });
  const erp = (
    await admin.post('/v1/integrators', { body: { name: 'Bansko municipal ERP', municipality: 'BLG01' } })
  ).data;
  const integrator = createCaseworkClient({
    baseUrl,
    token: clientCredentials({ baseUrl, clientId: erp.clientId, clientSecret: erp.clientSecret }),
  });
  const followed = await eventually(async () => {
    const page = await integrator.get('/v1/events/placement', { params: { query: { types: 'Discharged' } } });
    return page.data.items.length > 0 ? page.data.items : undefined;
  });
  t.match(followed, [{ type: 'Discharged', data: { placementId: moved.data.placementId } }]);
  // and has its discharges pushed to it for a while, then stops them
  const hook = await integrator.post('/v1/webhooks/placement', {
    body: { url: 'https://erp.example.bg/casework/webhooks', types: ['Discharged'] },
  });
  t.equal(hook.status, 201);
  const removed = await integrator.delete('/v1/webhooks/placement/{endpointId}', {
    params: { path: { endpointId: hook.data.endpointId } },
  });
  t.equal(removed.status, 204, 'the client deletes');
  t.same((await integrator.get('/v1/webhooks/placement')).data.items, [], 'and the endpoint is gone');
  const { data: calls } = await admin.get('/v1/integrator-calls/placement', {
    params: { query: { integrator: `integrator:${erp.integratorId}` } },
  });
  t.ok(calls.items.length > 0, 'its calls are in the call log');
  await admin.post('/v1/integrators/{integratorId}/revoke', {
    params: { path: { integratorId: erp.integratorId } },
  });
  const refused = await clientCredentials({
    baseUrl,
    clientId: erp.clientId,
    clientSecret: erp.clientSecret,
  })().catch((e: unknown) => e as CaseworkProblem);
  t.match(refused, { status: 401, code: 'INVALID_CLIENT' });
});
