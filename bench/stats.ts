import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

export async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const start = process.hrtime.bigint();
  const r = await fn();
  return [Number(process.hrtime.bigint() - start) / 1e6, r];
}

/** Prints one figure with its same-run baseline and the ratio between them. */
export function report(name: string, value: number, unit: string, baseline: number, target: string) {
  const ratio = value / baseline;
  console.log(
    `${name.padEnd(46)} ${value.toFixed(2).padStart(10)} ${unit.padEnd(9)} baseline ${baseline.toFixed(2).padStart(10)}  ratio ${ratio.toFixed(2).padStart(6)}  target ${target}`,
  );
}

/** The whole machine's busy CPU time so far, in seconds (Linux /proc/stat; undefined elsewhere). */
function machineBusy(): number | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    // user, nice, system, idle, iowait, irq, softirq, steal; in USER_HZ (100 a second on Linux)
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
    return (user + nice + system + irq + softirq + steal) / 100;
  } catch {
    return undefined;
  }
}

/**
 * Where the CPU went while `fn` ran: this process (the platform under test) and the machine as a whole
 * (the database and NATS too), in core-seconds, and the cores there were.
 */
export async function cpuDuring<T>(
  fn: () => Promise<T>,
): Promise<[{ processS: number; machineS?: number; cores: number }, T]> {
  const m0 = machineBusy();
  const p0 = process.cpuUsage();
  const r = await fn();
  const p = process.cpuUsage(p0);
  const m1 = machineBusy();
  return [
    {
      processS: (p.user + p.system) / 1e6,
      ...(m0 !== undefined && m1 !== undefined ? { machineS: m1 - m0 } : {}),
      cores: availableParallelism(),
    },
    r,
  ];
}
