import { byCodePoint, type LocalDate } from './localDate.js';

/** A version of a document published from a date (a rule set, a tariff): drafted, published, retired. */
export type PublishedVersion = {
  version: number;
  status: 'draft' | 'published' | 'retired';
  effectiveFrom?: LocalDate;
  retiredFrom?: LocalDate;
};

/**
 * The version in force on a date: published (or retired later than the date), taken effect by then;
 * the latest effective date wins, then the higher version.
 */
export function versionOn<V extends PublishedVersion>(versions: readonly V[], on: LocalDate): V | undefined {
  return versions
    .filter(
      (v) =>
        v.effectiveFrom !== undefined &&
        v.effectiveFrom <= on &&
        (v.status === 'published' || (v.retiredFrom !== undefined && v.retiredFrom > on)),
    )
    .sort((a, b) => byCodePoint(b.effectiveFrom!, a.effectiveFrom!) || b.version - a.version)[0];
}
