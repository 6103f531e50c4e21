import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Principal, scopeMismatch } from '@casework/service-kit';

/**
 * The launcher's command line. `pnpm start -- --demo` and `pnpm run mint-token -- --role …` hand the
 * script a `--` before the flags (pnpm passes it through), which node's parseArgs would take as the end
 * of the options: it is dropped here, so the flags count with or without it.
 */
export function parseCommandLine(argv: readonly string[]) {
  const { values, positionals } = parseArgs({
    args: argv.filter((a) => a !== '--'),
    allowPositionals: true,
    options: {
      service: { type: 'string', multiple: true },
      sub: { type: 'string' },
      role: { type: 'string', multiple: true },
      municipality: { type: 'string' },
      oblast: { type: 'string' },
      demo: { type: 'boolean' },
    },
  });
  return { values, positionals, command: positionals[0] };
}

const NATIONAL: readonly string[] = ['integrator', 'admin'];
const FLAG: Record<string, string> = {
  roles: '--role',
  sub: '--sub',
  municipality: '--municipality',
  oblast: '--oblast',
};

/**
 * The principal `mint-token` signs: the roles asked for (case_manager by default), the scope they need
 * (a municipality, BLG01 unless named, for municipal roles; an oblast for the directorate analyst; none
 * for integrators and admins) and a subject of its own unless `--sub` names one. A principal the server
 * would refuse (unknown role or code, a scope that does not fit the roles) is an error naming the flag.
 */
export function principalFromFlags(
  values: ReturnType<typeof parseCommandLine>['values'],
): { principal: Principal } | { error: string } {
  const roles = values.role ?? ['case_manager'];
  const unscoped = roles.every((r) => NATIONAL.includes(r)) || roles.includes('directorate_analyst');
  const parsed = Principal.safeParse({
    sub: values.sub ?? `demo-${roles[0]}-${randomBytes(4).toString('hex')}`,
    roles,
    ...(values.municipality || (!unscoped && !values.oblast)
      ? { municipality: values.municipality ?? 'BLG01' }
      : {}),
    ...(values.oblast ? { oblast: values.oblast } : {}),
  });
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (i) => `${FLAG[String(i.path[0])] ?? String(i.path[0])}: ${i.message}`,
    );
    return { error: [...new Set(issues)].join('; ') };
  }
  const mismatch = scopeMismatch(parsed.data);
  return mismatch ? { error: mismatch } : { principal: parsed.data };
}
