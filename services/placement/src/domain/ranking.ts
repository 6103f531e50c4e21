import {
  ageOn,
  type CrisisKind,
  daysBetween,
  type LocalDate,
  type ServiceTypeCode,
} from '@casework/contracts';
import type { PlacementParameters } from '@casework/reference-data';
import type { z } from 'zod';

type Sheet = {
  householdMembers: number;
  membersWithDisability: number;
  monthlyIncomePerMemberMinor: number;
  housingConditions: 'homeless' | 'unfit' | 'overcrowded' | 'adequate';
};
type Weights = PlacementParameters['socialHousingPoints'];
export type PointsLine = {
  factor:
    | 'household_members'
    | 'disability_in_household'
    | 'low_income'
    | 'years_on_list'
    | 'housing_conditions';
  value: number;
  points: number;
  reason: string;
};

export type Waiting = {
  entryId: string;
  serviceType: ServiceTypeCode;
  listedOn: LocalDate;
  priorityClass: 'crisis' | 'standard';
  crisis?: z.infer<typeof CrisisKind> | undefined;
  sheet?: Sheet | undefined;
  movedToEndOn?: LocalDate | undefined;
};

/** Social-housing points of the municipal ordinance, line by line (DOMAIN §6). */
export function pointsOf(
  sheet: Sheet | undefined,
  listedOn: LocalDate,
  asOf: LocalDate,
  w: Weights,
): PointsLine[] {
  const years = Math.max(0, ageOn(listedOn, asOf));
  const lines: PointsLine[] = [
    {
      factor: 'years_on_list',
      value: years,
      points: years * w.perYearOnList,
      reason: `${years} full years on the list × ${w.perYearOnList}`,
    },
  ];
  if (!sheet) return lines;
  const low = sheet.monthlyIncomePerMemberMinor <= w.lowIncome.ceilingMinor;
  const euros = (minor: number) => `€${(minor / 100).toFixed(2)}`;
  return [
    {
      factor: 'household_members',
      value: sheet.householdMembers,
      points: sheet.householdMembers * w.perHouseholdMember,
      reason: `${sheet.householdMembers} household members × ${w.perHouseholdMember}`,
    },
    {
      factor: 'disability_in_household',
      value: sheet.membersWithDisability,
      points: sheet.membersWithDisability * w.perMemberWithDisability,
      reason: `${sheet.membersWithDisability} members with a disability × ${w.perMemberWithDisability}`,
    },
    {
      factor: 'low_income',
      value: sheet.monthlyIncomePerMemberMinor,
      points: low ? w.lowIncome.points : 0,
      reason: `income ${euros(sheet.monthlyIncomePerMemberMinor)} a member ${low ? 'within' : 'above'} ${euros(w.lowIncome.ceilingMinor)}`,
    },
    {
      factor: 'housing_conditions',
      value: 0,
      points: w.housingConditions[sheet.housingConditions] ?? 0,
      reason: `housing conditions: ${sheet.housingConditions}`,
    },
    ...lines,
  ];
}

const scored = (type: string) => type === 'social_housing';

export type Ranked<W extends Waiting> = W & {
  position: number;
  points?: number;
  pointsLines?: PointsLine[];
  daysWaiting: number;
  reasons: string[];
};

/**
 * A waiting list in order (DOMAIN §6): crisis cases first; within a class, entries moved to its end
 * after repeated declines last, in the order they were moved; then social-housing points, highest
 * first; then the date they joined the list; then the application id. Each position says why.
 */
export function rank<W extends Waiting>(
  entries: readonly W[],
  asOf: LocalDate,
  weights: Weights,
): Ranked<W>[] {
  const withPoints = entries.map((e) => {
    const lines = scored(e.serviceType) ? pointsOf(e.sheet, e.listedOn, asOf, weights) : undefined;
    return { e, lines, points: lines?.reduce((n, l) => n + l.points, 0) };
  });
  withPoints.sort(
    (a, b) =>
      Number(b.e.priorityClass === 'crisis') - Number(a.e.priorityClass === 'crisis') ||
      (a.e.movedToEndOn ?? '').localeCompare(b.e.movedToEndOn ?? '') ||
      (b.points ?? 0) - (a.points ?? 0) ||
      a.e.listedOn.localeCompare(b.e.listedOn) ||
      a.e.entryId.localeCompare(b.e.entryId),
  );
  return withPoints.map(({ e, lines, points }, i) => {
    const daysWaiting = Math.max(0, daysBetween(e.listedOn, asOf));
    const reasons = [
      e.priorityClass === 'crisis'
        ? `crisis case (${e.crisis}): crisis cases go first`
        : 'standard class: after every crisis case',
      ...(e.movedToEndOn ? [`moved to the end of its class on ${e.movedToEndOn} after declined offers`] : []),
      ...(lines ? [`${points} points: ${lines.map((l) => `${l.reason} = ${l.points}`).join('; ')}`] : []),
      `on the list since ${e.listedOn} (${daysWaiting} days)`,
    ];
    return {
      ...e,
      position: i + 1,
      ...(lines ? { points, pointsLines: lines } : {}),
      daysWaiting,
      reasons,
    };
  });
}
