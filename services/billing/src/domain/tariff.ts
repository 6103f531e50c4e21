import {
  breaksRule,
  conflictWith,
  type Decider,
  type EventOf,
  type LocalDate,
  type ServiceTypeCode,
  type TariffBody,
  type TariffDrafted,
  type TariffPublished,
  type TariffRetired,
  versionOn,
} from '@casework/contracts';

export type TariffEvent =
  | EventOf<typeof TariffDrafted>
  | EventOf<typeof TariffPublished>
  | EventOf<typeof TariffRetired>;

export type TariffScope = { tariffId: string; serviceType: ServiceTypeCode; municipality: string | null };
export type TariffVersion = {
  version: number;
  status: 'draft' | 'published' | 'retired';
  body: TariffBody;
  effectiveFrom?: LocalDate;
  retiredFrom?: LocalDate;
};
export type Tariff = { scope?: TariffScope; versions: TariffVersion[] };

export type TariffCommand =
  | { type: 'Draft'; scope: TariffScope; body: TariffBody }
  /** The reference data's default, published as it stands into a tariff with no versions yet. */
  | { type: 'AdoptDefault'; scope: TariffScope; body: TariffBody; effectiveFrom: LocalDate }
  | { type: 'Publish'; version: number; effectiveFrom: LocalDate; today: LocalDate }
  | { type: 'Retire'; version: number; retiredFrom: LocalDate; today: LocalDate };

export const initialState: Tariff = { versions: [] };

const bodyOf = (d: TariffBody): TariffBody => ({
  fee: d.fee,
  groupFees: d.groupFees,
  absenceExemptAfterDays: d.absenceExemptAfterDays,
  fullCostRule: d.fullCostRule,
  stateShareBasisPoints: d.stateShareBasisPoints,
});

/**
 * Drafts, publishes and retires a tariff's versions. Months already assessed keep their version, so
 * nothing takes effect or stops before today; the last national version is never retired (municipal
 * tariffs fall back on it).
 */
export function decide(command: TariffCommand, state: Tariff): TariffEvent[] {
  if (command.type === 'Draft' || command.type === 'AdoptDefault') {
    if (command.type === 'AdoptDefault' && state.versions.length > 0) return [];
    const data = { ...command.scope, version: state.versions.length + 1, ...command.body };
    return command.type === 'Draft'
      ? [{ type: 'TariffDrafted', data }]
      : [
          { type: 'TariffDrafted', data },
          { type: 'TariffPublished', data: { ...data, effectiveFrom: command.effectiveFrom } },
        ];
  }
  const v = state.versions.find((x) => x.version === command.version);
  if (!v || !state.scope)
    throw conflictWith('VERSION_NOT_FOUND', `the tariff has no version ${command.version}`);
  const scoped = { ...state.scope, version: v.version };
  if (command.type === 'Publish') {
    if (v.status === 'published' && v.effectiveFrom === command.effectiveFrom) return [];
    if (v.status !== 'draft') throw conflictWith('NOT_A_DRAFT', `version ${v.version} is ${v.status}`);
    if (command.effectiveFrom < command.today)
      throw breaksRule('EFFECTIVE_DATE_PAST', 'effectiveFrom must be today or later');
    return [
      { type: 'TariffPublished', data: { ...scoped, ...v.body, effectiveFrom: command.effectiveFrom } },
    ];
  }
  if (v.status === 'retired') return [];
  if (v.status !== 'published') throw conflictWith('NOT_PUBLISHED', `version ${v.version} is a draft`);
  if (command.retiredFrom < command.today)
    throw breaksRule('RETIREMENT_DATE_PAST', 'retiredFrom must be today or later');
  // nationally, another published version must be in force by the retirement date: no gap without a tariff
  const successor = state.versions.some(
    (x) =>
      x !== v &&
      x.status === 'published' &&
      x.effectiveFrom !== undefined &&
      x.effectiveFrom <= command.retiredFrom,
  );
  if (state.scope.municipality === null && !successor)
    throw breaksRule(
      'NATIONAL_TARIFF_REQUIRED',
      'a national version is retired only once its successor is in force by then; publish the successor first',
    );
  return [{ type: 'TariffRetired', data: { ...scoped, retiredFrom: command.retiredFrom } }];
}

export function evolve(state: Tariff, event: TariffEvent): Tariff {
  const d = event.data;
  const patch = (p: Partial<TariffVersion>) => ({
    ...state,
    versions: state.versions.map((v) => (v.version === d.version ? { ...v, ...p } : v)),
  });
  switch (event.type) {
    case 'TariffDrafted':
      return {
        scope: { tariffId: d.tariffId, serviceType: d.serviceType, municipality: d.municipality },
        versions: [...state.versions, { version: d.version, status: 'draft', body: bodyOf(event.data) }],
      };
    case 'TariffPublished':
      return patch({ status: 'published', effectiveFrom: event.data.effectiveFrom });
    case 'TariffRetired':
      return patch({ status: 'retired', retiredFrom: event.data.retiredFrom });
  }
}

export const tariffDecider: Decider<Tariff, TariffCommand, TariffEvent> = { initialState, decide, evolve };

/** The version charging on a date (see versionOn). */
export const tariffInForce = (state: Tariff, on: LocalDate): TariffVersion | undefined =>
  versionOn(state.versions, on);
