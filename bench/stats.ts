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
