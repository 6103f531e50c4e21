import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describePlatform } from '@casework/platform/docs';
import t from 'tap';

/**
 * Issue 20: the ingress routes every public path to the service that answers it. The committed
 * `infra/ingress.conf` is read as nginx reads it (regular-expression locations tried in order, the first
 * match wins, else `location /`) and every path of every service's document is sent through it.
 */

const conf = readFileSync(join(import.meta.dirname, '..', '..', 'infra', 'ingress.conf'), 'utf8');
const locations = [
  ...conf.matchAll(/^\s*location ~ (\S+) \{ (?:proxy_read_timeout \w+; )?proxy_pass http:\/\/(\w+); \}$/gm),
].map(([, pattern, service]) => ({ pattern: new RegExp(pattern!), service: service! }));
const apiFallback = /^\s*location \/v1\/ \{ proxy_pass http:\/\/(\w+); \}$/m.exec(conf)?.[1];
const exact = new Map(
  [...conf.matchAll(/^\s*location = (\S+) \{ proxy_pass http:\/\/(\w+); \}$/gm)].map(([, p, s]) => [p!, s!]),
);
/** `^~` prefixes: the longest that matches wins, and no regular expression is tried after it. */
const prefixes = [...conf.matchAll(/^\s*location \^~ (\S+) \{ proxy_pass http:\/\/(\w+); \}$/gm)]
  .map(([, prefix, service]) => ({ prefix: prefix!, service: service! }))
  .sort((a, b) => b.prefix.length - a.prefix.length);
/** The service a path reaches, `undefined` when the ingress answers 404 itself. */
const routed = (path: string) =>
  exact.get(path) ??
  prefixes.find((p) => path.startsWith(p.prefix))?.service ??
  locations.find((l) => l.pattern.test(path))?.service ??
  (path.startsWith('/v1/') ? apiFallback : undefined);
/** A concrete path of a template, each parameter a value no fixed segment has. */
const sample = (template: string) => template.replace(/\{[^}]+\}/g, '0190a3c2-6a2b-7c4d-8e5f-1a2b3c4d5e6f');

t.test('every public path reaches the service that answers it', async (t) => {
  const { openapi, routes } = await describePlatform();
  t.equal(
    locations.length,
    new Set(routes.map((r) => r.path)).size,
    'a location for each path, every one read (none left to the fallback)',
  );
  t.ok(
    routes.length > 80,
    `${routes.length} paths over ${new Set(routes.map((r) => r.service)).size} services`,
  );
  const wrong = routes.filter((r) => routed(sample(r.path)) !== r.service);
  t.same(
    wrong.map((r) => `${r.path} -> ${routed(sample(r.path))}, answered by ${r.service}`),
    [],
    'each path, with its parameters filled in, goes to its own service',
  );
  t.same(
    routes.filter((r) => routed(`${sample(r.path)}/`) !== r.service).map((r) => r.path),
    [],
    'with a trailing slash too (the services ignore it)',
  );
  const all = Object.keys((openapi as { paths: object }).paths).filter((p) => p.startsWith('/v1/'));
  const known = new Set(routes.map((r) => r.path));
  const services = [...new Set(routes.map((r) => r.service))];
  t.same(
    // an admin or feed path names its service: it is each service's
    all.filter(
      (p) =>
        !services.every((s) =>
          known.has(
            p
              .split('/')
              .map((x) => (x === '{service}' ? s : x))
              .join('/'),
          ),
        ),
    ),
    [],
    "every path of the platform's document is one a service answers alone",
  );
});

t.test('the example terminates TLS and sends plain HTTP there', async (t) => {
  t.match(conf, /listen 443 ssl;/);
  t.match(conf, /ssl_certificate\s+\S+;/);
  t.match(conf, /listen 80;\s+return 308 https:\/\/\$host\$request_uri;/);
  t.ok(apiFallback, 'an API path no service has goes to one of them, for its problem+json 404');
  t.notOk(
    locations.some((l) => l.pattern.test('/v1/no-such-resource')),
    'which no location claims',
  );
  for (const inside of ['/metrics', '/health/ready', '/health/live', '/docsx', '/openapi.yaml'])
    t.equal(routed(inside), undefined, `${inside} stays inside`);
  for (const reference of ['/docs', '/docs/', '/docs/static/swagger-ui-bundle.js', '/openapi.json'])
    t.equal(routed(reference), 'docs', `${reference} goes to the platform's reference`);
  t.match(conf, /upstream docs\s+\{ server docs:3000; \}/);
  t.match(conf, /location \/ \{ return 404; \}/);
  t.match(
    conf,
    /X-Forwarded-For \$remote_addr;/,
    'the client address as nginx saw it, not as a client wrote it',
  );
  for (const header of ['traceparent', 'tracestate'])
    t.match(
      conf,
      new RegExp(`proxy_set_header ${header} "";`),
      `a caller's ${header} is dropped: traces start inside`,
    );
});
