import { byCodePoint, type LocalDate, type Money, type ServiceTypeCode } from '@casework/contracts';

/**
 * The fields of a fact event that eligibility decides on. Each fact row keeps them beside the whole
 * event, in an index read in client order: ids, dates, codes and amounts, so a row's copy stays small
 * whatever else an event carries (a retraction's written reason, say). A criterion that needs another
 * field adds it here and a migration copies it from the events kept whole.
 */
export const DECIDING_FIELDS = [
  'applicationId',
  'assessedOn',
  'birthDate',
  'degreePercent',
  'diedOn',
  'factId',
  'from',
  'issuedOn',
  'kind',
  'memberId',
  'monthlyAmount',
  'municipality',
  'on',
  'outsideAssistanceNeeded',
  'ownsDwelling',
  'placementId',
  'recommendedServiceType',
  'serviceType',
  'source',
  'supersedes',
  'to',
  'validFrom',
  'validTo',
] as const;

type FactData = Partial<Record<(typeof DECIDING_FIELDS)[number], unknown>>;

/** Of an event's data, the fields eligibility decides on. */
export const decidingFields = (data: Record<string, unknown>): FactData =>
  Object.fromEntries(DECIDING_FIELDS.filter((f) => data[f] !== undefined).map((f) => [f, data[f]]));

/**
 * What eligibility knows of a person: every intake (or placement) event it consumed, kept as one row per
 * event and never updated, so "what did we know at T" is a filter on `recordedAt`: when eligibility
 * consumed the event, by its own clock (not the event's time: what it knew is what had reached it).
 */
export type FactRow = {
  eventId: string;
  clientId: string;
  type: string;
  data: FactData;
  recordedAt: string;
};

type Traced<T> = T & { eventId: string };
export type Dated = { validFrom: LocalDate; validTo?: LocalDate };

export type Income = Traced<Dated & { memberId?: string; source: string; monthlyAmount: Money }>;
export type Disability = Traced<Dated & { degreePercent: number; outsideAssistanceNeeded: boolean }>;
export type Ownership = Traced<Dated & { ownsDwelling: boolean }>;
export type Residence = Traced<{ kind: 'permanent' | 'current'; municipality: string; validFrom: LocalDate }>;
export type Member = Traced<{ memberId: string; from: LocalDate; leftOn?: LocalDate; leftEventId?: string }>;
export type Assessment = Traced<{ assessedOn: LocalDate; recommendedServiceType?: ServiceTypeCode }>;
export type Referral = Traced<{ applicationId: string; serviceType: string; issuedOn: LocalDate }>;
/** A stay from placement's events; `eventId` is the event it rests on (its end, once it ended). */
export type Placement = Traced<{ placementId: string; serviceType: string; from: LocalDate; to?: LocalDate }>;

/** A client's facts as known at one time, each traced to its event. */
export type KnownFacts = {
  birthDate?: Traced<{ value: LocalDate }>;
  diedOn?: Traced<{ value: LocalDate }>;
  incomes: Income[];
  disabilities: Disability[];
  ownership: Ownership[];
  residences: Residence[];
  members: Member[];
  assessments: Assessment[];
  referrals: Referral[];
  placements: Placement[];
};

const dated = (d: Record<string, unknown>): Dated => ({
  validFrom: d.validFrom as LocalDate,
  ...(d.validTo ? { validTo: d.validTo as LocalDate } : {}),
});

/**
 * Folds the rows recorded up to `knownAt` (ISO time; all when absent) in their recording order. A
 * corrected fact (`supersedes`) and a retracted one drop out; the latest birth date wins.
 */
export function knownFacts(rows: readonly FactRow[], knownAt?: string): KnownFacts {
  const until = knownAt === undefined ? Number.POSITIVE_INFINITY : Date.parse(knownAt);
  const known = rows
    .filter((r) => Date.parse(r.recordedAt) <= until)
    .sort((a, b) => byCodePoint(a.recordedAt, b.recordedAt) || byCodePoint(a.eventId, b.eventId));
  const facts: KnownFacts = {
    incomes: [],
    disabilities: [],
    ownership: [],
    residences: [],
    members: [],
    assessments: [],
    referrals: [],
    placements: [],
  };
  const dropped = new Set<string>(); // fact ids corrected or retracted
  const factIds = new Map<string, string>(); // event id → intake fact id
  for (const { eventId, type, data: d } of known) {
    switch (type) {
      case 'ClientRegistered':
      case 'ClientDetailsCorrected':
        facts.birthDate = { value: d.birthDate as LocalDate, eventId };
        break;
      case 'ClientDied':
        facts.diedOn = { value: d.diedOn as LocalDate, eventId };
        break;
      case 'IncomeDeclared':
        facts.incomes.push({
          eventId,
          ...dated(d),
          ...(d.memberId ? { memberId: d.memberId as string } : {}),
          source: d.source as string,
          monthlyAmount: d.monthlyAmount as Money,
        });
        break;
      case 'DisabilityAssessed':
        facts.disabilities.push({
          eventId,
          ...dated(d),
          degreePercent: d.degreePercent as number,
          outsideAssistanceNeeded: d.outsideAssistanceNeeded as boolean,
        });
        break;
      case 'DwellingOwnershipRecorded':
        facts.ownership.push({ eventId, ...dated(d), ownsDwelling: d.ownsDwelling as boolean });
        break;
      case 'FactRetracted':
        dropped.add(d.factId as string);
        break;
      case 'ResidenceRecorded':
        facts.residences.push({
          eventId,
          kind: d.kind as Residence['kind'],
          municipality: d.municipality as string,
          validFrom: d.validFrom as LocalDate,
        });
        break;
      case 'HouseholdMemberAdded':
        facts.members.push({ eventId, memberId: d.memberId as string, from: d.from as LocalDate });
        break;
      case 'HouseholdMemberLeft': {
        const m = facts.members.find((x) => x.memberId === d.memberId && !x.leftOn);
        if (m) Object.assign(m, { leftOn: d.from as LocalDate, leftEventId: eventId });
        break;
      }
      case 'NeedsAssessed':
        facts.assessments.push({
          eventId,
          assessedOn: d.assessedOn as LocalDate,
          ...(d.recommendedServiceType
            ? { recommendedServiceType: d.recommendedServiceType as ServiceTypeCode }
            : {}),
        });
        break;
      case 'ReferralRecorded':
        facts.referrals.push({
          eventId,
          applicationId: d.applicationId as string,
          serviceType: d.serviceType as string,
          issuedOn: d.issuedOn as LocalDate,
        });
        break;
      case 'Admitted':
        facts.placements.push({
          eventId,
          placementId: d.placementId as string,
          serviceType: d.serviceType as string,
          from: d.on as LocalDate,
        });
        break;
      case 'Transferred': {
        const from = d.from as { placementId: string };
        const to = d.to as { placementId: string; serviceType: string };
        endStay(facts.placements, from.placementId, d.on as LocalDate, eventId);
        facts.placements.push({
          eventId,
          placementId: to.placementId,
          serviceType: to.serviceType,
          from: d.on as LocalDate,
        });
        break;
      }
      case 'Discharged':
        endStay(facts.placements, d.placementId as string, d.on as LocalDate, eventId);
        break;
      default:
        break;
    }
    if (typeof d.factId === 'string' && type !== 'FactRetracted') factIds.set(eventId, d.factId);
    if (typeof d.supersedes === 'string') dropped.add(d.supersedes);
  }
  const live = <T extends { eventId: string }>(xs: T[]) =>
    xs.filter((x) => !dropped.has(factIds.get(x.eventId) ?? ''));
  facts.incomes = live(facts.incomes);
  facts.disabilities = live(facts.disabilities);
  facts.ownership = live(facts.ownership);
  return facts;
}

function endStay(placements: Placement[], placementId: string, on: LocalDate, eventId: string) {
  const p = placements.find((x) => x.placementId === placementId);
  if (p) Object.assign(p, { to: on, eventId });
}

/** Of dated facts covering `on`, the one with the latest `validFrom` (then the later recorded) per key. */
export function inForce<T extends Dated>(
  xs: readonly T[],
  on: LocalDate,
  key: (x: T) => string = () => '',
): T[] {
  const best = new Map<string, T>();
  for (const x of xs) {
    if (x.validFrom > on || (x.validTo !== undefined && x.validTo < on)) continue;
    const k = key(x);
    const b = best.get(k);
    if (!b || x.validFrom >= b.validFrom) best.set(k, x);
  }
  return [...best.values()];
}
