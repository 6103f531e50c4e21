/**
 * What a report may show outside the municipality: no money figure of a group of fewer clients than the
 * minimum (a group of one is one person's fee). When that withholds a single row, the next smallest is
 * withheld with it, so the one cannot be worked out by subtracting the others from the total.
 */
export function withheld<R extends { clients: number }>(
  rows: readonly R[],
  total: { clients: number },
  minimum: number,
): { rows: boolean[]; total: boolean } {
  const small = rows.map((r) => r.clients < minimum);
  const totalWithheld = total.clients < minimum;
  if (!totalWithheld && small.filter(Boolean).length === 1) {
    const next = rows
      .map((r, i) => ({ clients: r.clients, i }))
      .filter(({ i }) => !small[i])
      .sort((a, b) => a.clients - b.clients || a.i - b.i)[0];
    if (next) small[next.i] = true;
  }
  return { rows: small, total: totalWithheld };
}
