import {
  breaksRule,
  type Criterion,
  conflictWith,
  type Decider,
  type EventOf,
  type LocalDate,
  type RuleSetDrafted,
  type RuleSetPublished,
  type RuleSetRetired,
  versionOn,
} from '@casework/contracts';

export type RuleSetEvent =
  | EventOf<typeof RuleSetDrafted>
  | EventOf<typeof RuleSetPublished>
  | EventOf<typeof RuleSetRetired>;

export type Version = {
  version: number;
  status: 'draft' | 'published' | 'retired';
  criteria: Criterion[];
  validityMonths: number;
  effectiveFrom?: LocalDate;
  retiredFrom?: LocalDate;
};

type Drafted = EventOf<typeof RuleSetDrafted>['data'];
/** Which rule set: its id, service type and municipality (null for the national one). */
export type Scope = Pick<Drafted, 'ruleSetId' | 'serviceType' | 'municipality'>;
type Body = Pick<Drafted, 'criteria' | 'validityMonths'>;

export type RuleSet = Partial<Scope> & { versions: Version[] };

export type RuleSetCommand =
  | ({ type: 'Draft' } & Scope & Body)
  /** A default from reference data, published as it stands (only into an empty rule set). */
  | ({ type: 'AdoptDefault'; effectiveFrom: LocalDate } & Scope & Body)
  | { type: 'Publish'; version: number; effectiveFrom: LocalDate; today: LocalDate }
  | { type: 'Retire'; version: number; retiredFrom: LocalDate; today: LocalDate };

export const initialState: RuleSet = { versions: [] };

const scopeOf = (s: RuleSet): Scope => ({
  ruleSetId: s.ruleSetId!,
  serviceType: s.serviceType!,
  municipality: s.municipality ?? null,
});

function versionOf(state: RuleSet, version: number): Version {
  const v = state.versions.find((x) => x.version === version);
  if (!v) throw conflictWith('VERSION_NOT_FOUND', `the rule set has no version ${version}`);
  return v;
}

export function decide(command: RuleSetCommand, state: RuleSet): RuleSetEvent[] {
  const next = state.versions.length + 1;
  switch (command.type) {
    case 'Draft': {
      const { type: _, ...data } = command;
      return [{ type: 'RuleSetDrafted', data: { ...data, version: next } }];
    }
    case 'AdoptDefault': {
      if (state.versions.length > 0) return []; // already seeded
      const { type: _, effectiveFrom, ...data } = command;
      return [
        { type: 'RuleSetDrafted', data: { ...data, version: 1 } },
        { type: 'RuleSetPublished', data: { ...data, version: 1, effectiveFrom } },
      ];
    }
    case 'Publish': {
      const v = versionOf(state, command.version);
      if (v.status === 'published' && v.effectiveFrom === command.effectiveFrom) return [];
      if (v.status !== 'draft') throw conflictWith('NOT_A_DRAFT', `version ${v.version} is ${v.status}`);
      // past determinations keep their version: a new one may take effect from today, not before
      if (command.effectiveFrom < command.today)
        throw breaksRule('EFFECTIVE_DATE_PAST', 'effectiveFrom must be today or later');
      return [
        {
          type: 'RuleSetPublished',
          data: {
            ...scopeOf(state),
            version: v.version,
            criteria: v.criteria,
            validityMonths: v.validityMonths,
            effectiveFrom: command.effectiveFrom,
          },
        },
      ];
    }
    case 'Retire': {
      const v = versionOf(state, command.version);
      if (v.status === 'retired') return [];
      if (v.status !== 'published') throw conflictWith('NOT_PUBLISHED', `version ${v.version} is a draft`);
      if (command.retiredFrom < command.today)
        throw breaksRule('RETIREMENT_DATE_PAST', 'retiredFrom must be today or later');
      // a municipality may fall back on the national rules; the national rules have nothing behind them
      const others = state.versions.filter((x) => x.status === 'published' && x.version !== v.version);
      if (state.municipality === null && others.length === 0)
        throw breaksRule(
          'NATIONAL_RULES_REQUIRED',
          'the last national version cannot be retired; publish its successor',
        );
      return [
        {
          type: 'RuleSetRetired',
          data: { ...scopeOf(state), version: v.version, retiredFrom: command.retiredFrom },
        },
      ];
    }
  }
}

export function evolve(state: RuleSet, event: RuleSetEvent): RuleSet {
  const d = event.data;
  const set = (version: number, patch: Partial<Version>) => ({
    ...state,
    versions: state.versions.map((v) => (v.version === version ? { ...v, ...patch } : v)),
  });
  switch (event.type) {
    case 'RuleSetDrafted':
      return {
        ruleSetId: d.ruleSetId,
        serviceType: d.serviceType,
        municipality: d.municipality,
        versions: [
          ...state.versions,
          {
            version: d.version,
            status: 'draft',
            criteria: event.data.criteria,
            validityMonths: event.data.validityMonths,
          },
        ],
      };
    case 'RuleSetPublished':
      return set(d.version, { status: 'published', effectiveFrom: event.data.effectiveFrom });
    case 'RuleSetRetired':
      return set(d.version, { status: 'retired', retiredFrom: event.data.retiredFrom });
  }
}

export const ruleSetDecider: Decider<RuleSet, RuleSetCommand, RuleSetEvent> = {
  initialState,
  decide,
  evolve,
};

/** The version in force on a date (see versionOn). */
export const versionInForce = (state: RuleSet, on: LocalDate): Version | undefined =>
  versionOn(state.versions, on);
