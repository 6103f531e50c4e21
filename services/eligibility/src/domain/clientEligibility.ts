import { hash } from 'node:crypto';
import {
  type AppealLodged,
  type AppealResolved,
  addDays,
  breaksRule,
  conflictWith,
  type Decider,
  type EligibilityChanged,
  type EligibilityDetermined,
  type EligibilityOverridden,
  type EventOf,
  type LocalDate,
  latest,
  type Outcome,
  type OverrideJustified,
} from '@casework/contracts';

export type EligibilityEvent =
  | EventOf<typeof EligibilityDetermined>
  | EventOf<typeof EligibilityChanged>
  | EventOf<typeof EligibilityOverridden>
  | EventOf<typeof OverrideJustified>
  | EventOf<typeof AppealLodged>
  | EventOf<typeof AppealResolved>;

export type Determination = EventOf<typeof EligibilityDetermined>['data'];

/** An outcome set by a supervisor or won on appeal, in effect until a date. */
type Decreed = { outcome: Outcome; until: LocalDate; by: 'override' | 'appeal'; determinationId: string };

type Appeal = {
  appealId: string;
  determinationId: string;
  serviceType: string;
  status: 'open' | 'upheld' | 'overturned';
  deadline: LocalDate;
};

export type ServiceEligibility = {
  current: Determination;
  decreed?: Decreed;
  /** The outcome in effect: a decree still running on its date, else the computed one. */
  effective: Outcome;
};

/** One client's determinations, per service type, with overrides and appeals. */
export type ClientEligibility = {
  byService: Map<string, ServiceEligibility>;
  determinations: Map<string, Determination>;
  appeals: Map<string, Appeal>;
};

export type EligibilityCommand =
  | { type: 'Determine'; determination: Determination }
  | {
      type: 'Override';
      determinationId: string;
      overrideId: string;
      outcome: Outcome;
      reason: string;
      supervisor: string;
      on: LocalDate;
    }
  | {
      type: 'LodgeAppeal';
      appealId: string;
      determinationId: string;
      notifiedOn: LocalDate;
      lodgedOn: LocalDate;
      deadlineDays: number;
    }
  | { type: 'ResolveAppeal'; appealId: string; resolution: 'upheld' | 'overturned'; resolvedOn: LocalDate };

export const initialState: ClientEligibility = {
  byService: new Map(),
  determinations: new Map(),
  appeals: new Map(),
};

const effectiveOn = (computed: Outcome, decreed: Decreed | undefined, on: LocalDate): Outcome =>
  decreed && decreed.until >= on ? decreed.outcome : computed;

/** The outcome in effect on a date: an override or won appeal still running, else the computed one. */
export const outcomeOn = (s: ServiceEligibility, on: LocalDate): Outcome =>
  effectiveOn(s.current.outcome, s.decreed, on);

/**
 * The decree that carries over to a new determination: one made on a determination of the same
 * municipality. After a move the new municipality decides afresh; an override or an appeal won against
 * the old one's determination never decides the new one's outcome.
 */
const decreeCarried = (
  state: ClientEligibility,
  before: ServiceEligibility | undefined,
  municipality: string,
) =>
  before?.decreed && state.determinations.get(before.decreed.determinationId)?.municipality === municipality
    ? before.decreed
    : undefined;

function currentFor(state: ClientEligibility, determinationId: string) {
  const d = state.determinations.get(determinationId);
  if (!d) throw conflictWith('DETERMINATION_NOT_FOUND', 'no such determination for this client');
  const s = state.byService.get(d.serviceType)!;
  if (s.current.determinationId !== determinationId)
    throw conflictWith('DETERMINATION_SUPERSEDED', 'a later determination replaced this one', {
      current: { determinationId: s.current.determinationId },
    });
  return { d, s };
}

const changed = (
  d: Pick<Determination, 'clientId' | 'serviceType' | 'municipality' | 'determinationId'>,
  from: Outcome | null,
  to: Outcome,
  on: LocalDate,
  by: 'determination' | 'override' | 'appeal',
): EligibilityEvent[] =>
  from === to
    ? []
    : [
        {
          type: 'EligibilityChanged',
          data: {
            clientId: d.clientId,
            serviceType: d.serviceType,
            municipality: d.municipality,
            determinationId: d.determinationId,
            from,
            to,
            on,
            by,
          },
        },
      ];

/** What a determination concludes, apart from its wording and dates. */
export type Answer = Pick<
  Determination,
  'ruleSet' | 'outcome' | 'applicationId' | 'criteria' | 'factsUsed' | 'missing'
>;

/**
 * A digest of what a determination concludes: its rule set (not the version), outcome, application,
 * each criterion's result, the facts it rests on and the missing ones. Reasons may word a changed
 * figure differently; what they conclude is the same. An equality digest, not a security measure.
 */
export const answerDigest = (a: Answer): string => {
  let text = `${a.ruleSet.ruleSetId}|${a.outcome}|${a.applicationId ?? ''}|`;
  for (const c of a.criteria) text += `${c.kind}:${c.result},`;
  text += '|';
  for (const f of a.factsUsed) text += `${f.eventId},`;
  return hash('md5', `${text}|${a.missing.join(',')}`, 'base64url');
};

/**
 * Whether a new answer leaves the determination in force standing: it concludes the same (by digest)
 * and would hold no shorter.
 */
export const leavesStanding = (
  current: { answer: string; validUntil: LocalDate },
  next: Answer & { validUntil: LocalDate },
): boolean => next.validUntil >= current.validUntil && answerDigest(next) === current.answer;

const answersAlike = (current: Determination, next: Determination): boolean =>
  leavesStanding({ answer: answerDigest(current), validUntil: current.validUntil }, next);

export function decide(command: EligibilityCommand, state: ClientEligibility): EligibilityEvent[] {
  switch (command.type) {
    case 'Determine': {
      const d = command.determination;
      if (state.determinations.has(d.determinationId)) return [];
      const before = state.byService.get(d.serviceType);
      // a rule-set change is not among what ends a determination (DOMAIN §5): where the version now in
      // force answers alike, the determination in force stands and nothing is recorded
      if (d.trigger.kind === 'rule_set' && before && answersAlike(before.current, d)) return [];
      const after = effectiveOn(d.outcome, decreeCarried(state, before, d.municipality), d.asOf);
      return [
        { type: 'EligibilityDetermined', data: d },
        ...changed(d, before?.effective ?? null, after, d.asOf, 'determination'),
      ];
    }
    case 'Override': {
      const { d, s } = currentFor(state, command.determinationId);
      const until = latest(d.validUntil, command.on);
      return [
        {
          type: 'EligibilityOverridden',
          data: {
            clientId: d.clientId,
            serviceType: d.serviceType,
            municipality: d.municipality,
            determinationId: d.determinationId,
            overrideId: command.overrideId,
            outcome: command.outcome,
            until,
            on: command.on,
          },
        },
        {
          type: 'OverrideJustified',
          data: {
            clientId: d.clientId,
            overrideId: command.overrideId,
            reason: command.reason,
            supervisor: command.supervisor,
          },
        },
        ...changed(d, s.effective, command.outcome, command.on, 'override'),
      ];
    }
    case 'LodgeAppeal': {
      if (state.appeals.has(command.appealId)) return [];
      const d = state.determinations.get(command.determinationId);
      if (!d) throw conflictWith('DETERMINATION_NOT_FOUND', 'no such determination for this client');
      if (d.outcome !== 'ineligible')
        throw breaksRule(
          'NOT_A_REFUSAL',
          `only an ineligible outcome can be appealed; this one is ${d.outcome}`,
        );
      if (
        [...state.appeals.values()].some(
          (a) => a.determinationId === d.determinationId && a.status === 'open',
        )
      )
        throw conflictWith('APPEAL_OPEN', 'an appeal against this determination is already open');
      if (command.lodgedOn < command.notifiedOn)
        throw breaksRule('LODGED_BEFORE_NOTIFICATION', 'lodgedOn is before notifiedOn');
      const deadline = addDays(command.notifiedOn, command.deadlineDays);
      if (command.lodgedOn > deadline)
        throw breaksRule('APPEAL_OUT_OF_TIME', `the deadline was ${deadline}`, { deadline });
      return [
        {
          type: 'AppealLodged',
          data: {
            clientId: d.clientId,
            serviceType: d.serviceType,
            municipality: d.municipality,
            appealId: command.appealId,
            determinationId: d.determinationId,
            notifiedOn: command.notifiedOn,
            lodgedOn: command.lodgedOn,
            deadline,
          },
        },
      ];
    }
    case 'ResolveAppeal': {
      const a = state.appeals.get(command.appealId);
      if (!a) throw conflictWith('APPEAL_NOT_FOUND', 'no such appeal for this client');
      if (a.status !== 'open') {
        if (a.status === command.resolution) return [];
        throw conflictWith('APPEAL_RESOLVED', `the appeal was already ${a.status}`);
      }
      const d = state.determinations.get(a.determinationId)!;
      const s = state.byService.get(a.serviceType)!;
      // the ruling decides the outcome in force only while the determination in force is of the
      // municipality whose refusal was appealed; after a move it is recorded and binds nothing here
      const binding = s.current.municipality === d.municipality;
      // an overturned refusal holds as long as the determination in effect would have
      const until = latest(binding ? s.current.validUntil : d.validUntil, command.resolvedOn);
      return [
        {
          type: 'AppealResolved',
          data: {
            clientId: d.clientId,
            serviceType: d.serviceType,
            municipality: d.municipality,
            appealId: a.appealId,
            determinationId: d.determinationId,
            resolution: command.resolution,
            resolvedOn: command.resolvedOn,
            until,
          },
        },
        ...(command.resolution === 'overturned' && binding
          ? changed(s.current, s.effective, 'eligible', command.resolvedOn, 'appeal')
          : []),
      ];
    }
  }
}

export function evolve(state: ClientEligibility, event: EligibilityEvent): ClientEligibility {
  switch (event.type) {
    case 'EligibilityDetermined': {
      const d = event.data;
      const before = state.byService.get(d.serviceType);
      const decreed = decreeCarried(state, before, d.municipality);
      const byService = new Map(state.byService);
      byService.set(d.serviceType, {
        current: d,
        ...(decreed ? { decreed } : {}),
        effective: effectiveOn(d.outcome, decreed, d.asOf),
      });
      const determinations = new Map(state.determinations).set(d.determinationId, d);
      return { ...state, byService, determinations };
    }
    case 'EligibilityOverridden': {
      const d = event.data;
      const s = state.byService.get(d.serviceType)!;
      const decreed: Decreed = {
        outcome: d.outcome,
        until: d.until,
        by: 'override',
        determinationId: d.determinationId,
      };
      return {
        ...state,
        byService: new Map(state.byService).set(d.serviceType, { ...s, decreed, effective: d.outcome }),
      };
    }
    case 'AppealLodged': {
      const d = event.data;
      const appeal: Appeal = {
        appealId: d.appealId,
        determinationId: d.determinationId,
        serviceType: d.serviceType,
        status: 'open',
        deadline: d.deadline,
      };
      return { ...state, appeals: new Map(state.appeals).set(d.appealId, appeal) };
    }
    case 'AppealResolved': {
      const d = event.data;
      const appeals = new Map(state.appeals).set(d.appealId, {
        ...state.appeals.get(d.appealId)!,
        status: d.resolution,
      });
      const s = state.byService.get(d.serviceType)!;
      if (d.resolution === 'upheld' || s.current.municipality !== d.municipality)
        return { ...state, appeals };
      const decreed: Decreed = {
        outcome: 'eligible',
        until: d.until,
        by: 'appeal',
        determinationId: d.determinationId,
      };
      return {
        ...state,
        appeals,
        byService: new Map(state.byService).set(d.serviceType, { ...s, decreed, effective: 'eligible' }),
      };
    }
    default:
      return state;
  }
}

export const eligibilityDecider: Decider<ClientEligibility, EligibilityCommand, EligibilityEvent> = {
  initialState,
  decide,
  evolve,
};
