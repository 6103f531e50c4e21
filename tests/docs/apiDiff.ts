// The breaking-change check of the OpenAPI document, written on Redocly CLI's `diff` (a maintained
// library: it rates each change by the semver part a release with it must bump, request and response
// directions apart). A change rated major is breaking: a removed path or operation, a removed field of
// an answer, a request's enum value taken away, a type or a constraint narrowed.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const cli = join(dirname(createRequire(import.meta.url).resolve('@redocly/cli/package.json')), 'bin/cli.js');

export type Change = { path: string; impact: 'major' | 'minor' | 'patch'; kind: string };
export type Verdict = {
  base: string;
  revision: string;
  /** The changes that break a client. */
  breaking: Change[];
  /** The revision's major version is above the base's: breaking changes are allowed (a new version). */
  bumped: boolean;
};

const major = (version: string) => Number(version.split('.')[0]);

/** Compares two OpenAPI documents (JSON text): what breaks a client, and whether the version says so. */
export async function compare(base: string, revision: string): Promise<Verdict> {
  const dir = mkdtempSync(join(tmpdir(), 'cw-api-diff-'));
  try {
    writeFileSync(join(dir, 'base.json'), base);
    writeFileSync(join(dir, 'revision.json'), revision);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [cli, 'diff', 'base.json', 'revision.json', '--fail-on', 'none', '--format', 'json'],
      {
        cwd: dir,
        maxBuffer: 256 * 1024 * 1024,
        env: {
          ...process.env,
          REDOCLY_SUPPRESS_NOTIFICATIONS: 'true',
          REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
          REDOCLY_TELEMETRY: 'off',
        },
      },
    );
    const report = JSON.parse(stdout) as {
      infoVersions: { base: string; revision: string };
      changes: Change[];
    };
    return {
      base: report.infoVersions.base,
      revision: report.infoVersions.revision,
      breaking: report.changes.filter((c) => c.impact === 'major'),
      bumped: major(report.infoVersions.revision) > major(report.infoVersions.base),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
