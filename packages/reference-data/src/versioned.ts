import type { LocalDate, MunicipalityCode } from '@casework/contracts';

/** A figure set that takes effect on a date, nationally (`municipality: null`) or for one municipality. */
export type Versioned = { municipality: MunicipalityCode | null; effectiveFrom: LocalDate };

/**
 * The version in force in a municipality on a date: its own latest version that has taken effect, else
 * the latest national one. Undefined when nothing had taken effect yet.
 */
export function versionInForce<V extends Versioned>(
  versions: readonly V[],
  municipality: MunicipalityCode,
  on: LocalDate,
): V | undefined {
  const latest = (scope: MunicipalityCode | null) =>
    versions
      .filter((v) => v.municipality === scope && v.effectiveFrom <= on)
      .reduce<V | undefined>(
        (best, v) => (!best || v.effectiveFrom > best.effectiveFrom ? v : best),
        undefined,
      );
  return latest(municipality) ?? latest(null);
}
