import { readFileSync } from 'node:fs';
import { breaksRule, type LocalDate, type MunicipalityCode } from '@casework/contracts';
import { z } from 'zod';

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

/**
 * Reads a reference-data file of effective-dated parameter versions and returns the lookup of the
 * version in force in a municipality on a date (the national default unless it set its own).
 */
export function parameterLookup<V extends Versioned>(
  file: string,
  schema: z.ZodType<V>,
): (municipality: MunicipalityCode, on: LocalDate) => V {
  const versions = z
    .object({ versions: z.array(schema).min(1) })
    .parse(JSON.parse(readFileSync(new URL(`../data/${file}`, import.meta.url), 'utf8'))).versions;
  return (municipality, on) => {
    const v = versionInForce(versions, municipality, on);
    // a date before the first version is a question the data cannot answer, not a failure: 422
    if (!v) {
      throw breaksRule('NO_PARAMETER_IN_FORCE', `no version of ${file} in force on ${on}`, { on });
    }
    return v;
  };
}
