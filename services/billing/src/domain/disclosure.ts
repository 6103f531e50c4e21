/**
 * What a report may show outside the municipality: no money figure of a group of fewer clients than the
 * minimum (a group of one is one person's fee). The groups withheld must together be at least the
 * minimum, or the total less the rows shown would give away a few people's figures: the smallest shown
 * rows are withheld with them until they are. A total of fewer than the minimum is withheld with every row.
 */
export function withheld<R extends { clients: number }>(
  rows: readonly R[],
  total: { clients: number },
  minimum: number,
): { rows: boolean[]; total: boolean } {
  const hidden = rows.map((r) => r.clients < minimum);
  if (total.clients < minimum) return { rows: rows.map(() => true), total: true };
  const count = () => rows.reduce((n, r, i) => n + (hidden[i] ? r.clients : 0), 0);
  const others = rows
    .map((r, i) => ({ clients: r.clients, i }))
    .filter(({ i }) => !hidden[i])
    .sort((a, b) => a.clients - b.clients || a.i - b.i);
  // the total has at least the minimum, and the rows have every client of it: this ends in time
  for (const next of others) {
    if (!hidden.some(Boolean) || count() >= minimum) break;
    hidden[next.i] = true;
  }
  return { rows: hidden, total: false };
}
