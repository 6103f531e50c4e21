import { createHmac } from 'node:crypto';
import t from 'tap';
import { pseudonymiser, reportingYear } from '../src/application/pseudonyms.js';

const secret = 'synthetic-service-secret-for-tests';
const clientId = '0190a3c2-0000-7000-8000-000000000001';

t.test('directorate pseudonyms: per oblast and reporting year, with a key of their own', async (t) => {
  const pseudonym = pseudonymiser(secret);
  const p = pseudonym('BG-01', 2026, clientId);
  t.match(p, /^P-[A-Za-z0-9_-]{12}$/, 'the published format');
  t.equal(pseudonym('BG-01', 2026, clientId), p, 'stable within an oblast and a year');
  t.equal(pseudonymiser(secret)('BG-01', 2026, clientId), p, 'and across restarts');
  t.not(pseudonym('BG-01', 2027, clientId), p, 'another year, another pseudonym');
  t.not(pseudonym('BG-22', 2026, clientId), p, 'another oblast, another pseudonym');
  t.not(pseudonym('BG-01', 2026, '0190a3c2-0000-7000-8000-000000000002'), p, 'another person');
  t.not(pseudonymiser('another-secret')('BG-01', 2026, clientId), p, 'keyed by the secret');
  // not the identifier hash's key: neither that HMAC of the same input nor of the old one
  for (const input of [`BG-01|2026|${clientId}`, `pseudonym:${clientId}`]) {
    const withHashKey = createHmac('sha256', secret).update(input).digest('base64url').slice(0, 12);
    t.not(p, `P-${withHashKey}`, `not the identifier key's HMAC of ${input}`);
  }
  t.equal(reportingYear('2027-01-31'), 2027);
});
