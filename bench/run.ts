// `pnpm bench [suite]`: every suite, or the one named; each prints figures with a same-run baseline.
const suites = [
  'foundation',
  'peers',
  'intake',
  'eligibility',
  'placement',
  'billing',
  'requests',
  'integrations',
];
const only = process.argv[2];
if (only && !suites.includes(only)) throw new Error(`unknown suite ${only}; one of ${suites.join(', ')}`);
for (const suite of suites) if (!only || only === suite) await import(`./${suite}.ts`);
