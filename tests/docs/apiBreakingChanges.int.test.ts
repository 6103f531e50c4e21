import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { compare } from './apiDiff.js';

/**
 * Issue 20: a breaking change to the OpenAPI document fails CI unless the version is bumped
 * (docs/versioning.md). Each revision of the committed document is compared with the one before it, and
 * the working copy with the last committed one; a change that breaks a client is allowed only with a
 * higher major version (`/v2`, served beside `/v1`).
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const DOCUMENT = 'docs/openapi/casework.json';
const THIS_CHECK = 'tests/docs/apiBreakingChanges.int.test.ts';
/** Revisions compared on each run: older ones were compared by the CI runs that landed them. */
const REVISIONS = 25;
const git = (...args: string[]) =>
  execFileSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });

type Doc = {
  info: { version: string };
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components: { schemas: Record<string, { properties?: Record<string, Record<string, unknown>> }> };
};
const current = readFileSync(join(root, DOCUMENT), 'utf8');

t.test('the check finds each kind of break, and a major version allows it', async (t) => {
  const doc = () => JSON.parse(current) as Doc;
  const schemaOf = (d: Doc, ref: unknown) => d.components.schemas[String(ref).split('/').pop()!]!;
  const breaks: [string, (d: Doc) => void][] = [
    ['a removed path', (d) => delete d.paths['/v1/sites']],
    ['a removed operation', (d) => delete d.paths['/v1/integrators']!.get],
    [
      'a removed field of an answer (optional, too)',
      (d) =>
        delete (schemaOf(d, '#/Integrator').properties!.scope as { properties: Record<string, unknown> })
          .properties.oblast,
    ],
    [
      "a request's enum value taken away",
      (d) => {
        const body = (
          d.paths['/v1/sites']!.post!.requestBody as { content: Record<string, { schema: unknown }> }
        ).content['application/json']!.schema as { $ref: string };
        const funding = schemaOf(d, body.$ref).properties!.funding as { enum: string[] };
        funding.enum = funding.enum.slice(0, -1);
      },
    ],
    [
      'a narrowed type',
      (d) => {
        schemaOf(d, '#/Integrator').properties!.name = { type: 'integer' };
      },
    ],
  ];
  for (const [what, change] of breaks) {
    const changed = doc();
    change(changed);
    const verdict = await compare(current, JSON.stringify(changed));
    t.ok(verdict.breaking.length > 0 && !verdict.bumped, `${what}: breaking`);
    changed.info.version = '2.0.0';
    t.ok((await compare(current, JSON.stringify(changed))).bumped, `${what}: allowed in 2.0.0`);
  }
  const added = doc();
  added.paths['/v1/something-new'] = { get: { responses: { 200: { description: 'OK' } } } };
  t.same((await compare(current, JSON.stringify(added))).breaking, [], 'a new path breaks nothing');
});

const notGit = existsSync(join(root, '.git'))
  ? false
  : 'not a git checkout: no committed document to compare with';
t.test(
  'no revision of the document breaks a client without a new major version',
  { skip: notGit },
  async (t) => {
    // newest first; each revision is checked once it carries this check (earlier ones predate the rule)
    t.equal(git('rev-parse', '--is-shallow-repository').trim(), 'false', 'the whole history is here');
    // the document's revisions along the main line, newest first (a merged branch's are compared by its merge)
    const revisions = git('log', '--first-parent', '--format=%H', `-n${REVISIONS + 1}`, '--', DOCUMENT)
      .split('\n')
      .filter(Boolean);
    const show = (commit: string) => git('show', `${commit}:${DOCUMENT}`);
    const checked = (commit: string) => {
      try {
        git('cat-file', '-e', `${commit}:${THIS_CHECK}`);
        return true;
      } catch {
        return false;
      }
    };
    const pairs: { name: string; base: () => string; revision: () => string }[] = [];
    if (revisions[0] && show(revisions[0]) !== current)
      pairs.push({ name: 'the working copy', base: () => show(revisions[0]!), revision: () => current });
    for (let i = 0; i + 1 < revisions.length; i++) {
      const [newer, older] = [revisions[i]!, revisions[i + 1]!];
      if (checked(newer))
        pairs.push({ name: newer.slice(0, 10), base: () => show(older), revision: () => show(newer) });
    }
    for (const pair of pairs) {
      const verdict = await compare(pair.base(), pair.revision());
      t.ok(
        verdict.breaking.length === 0 || verdict.bumped,
        `${pair.name} (${verdict.base} → ${verdict.revision}): ${
          verdict.breaking.length
            ? `breaks ${verdict.breaking.map((c) => c.path).join(', ')}`
            : 'breaks nothing'
        }`,
      );
    }
    t.ok(pairs.length > 0, `${pairs.length} revisions compared`);
  },
);
