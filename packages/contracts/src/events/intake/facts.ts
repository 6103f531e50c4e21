import { z } from 'zod';
import { defineEvent } from '../../eventCatalogue.js';
import { CalendarDate } from '../../localDate.js';
import { Money } from '../../money.js';
import { ClientId } from './clients.js';

export const FactKind = z.enum([
  'income',
  'disability',
  'dwelling_ownership',
  'consent',
  'savings',
  'dwelling_disposal',
  'client_group',
  'school_enrolment',
]);
export type FactKind = z.infer<typeof FactKind>;
export const IncomeSource = z
  .enum(['pension', 'salary', 'benefit', 'outside_assistance_supplement', 'other'])
  .meta({
    description:
      '`outside_assistance_supplement`: the pension supplement for outside assistance, which fees never count ' +
      'as income',
  });
export const Commission = z.enum(['TELK', 'NELK']).meta({ description: 'ТЕЛК or НЕЛК' });
/** Clients a tariff may charge differently (DOMAIN §7: 80% for adults with intellectual disabilities). */
export const ClientGroup = z.enum(['intellectual_or_mental_disability']);
export type ClientGroup = z.infer<typeof ClientGroup>;
export const DisposalKind = z.enum(['sold', 'gifted']).meta({ description: 'Sold, or given away' });
export type DisposalKind = z.infer<typeof DisposalKind>;

/**
 * What every fact carries: its id, the period it holds for (`validTo` inclusive, open when absent) and,
 * for a correction, the fact it replaces. History is never rewritten: a correction is a new fact.
 */
const factBase = {
  clientId: ClientId,
  factId: z.uuid(),
  validFrom: CalendarDate,
  validTo: CalendarDate.optional(),
  supersedes: z.uuid().optional().meta({ description: 'The fact this one corrects' }),
};

export const IncomeDeclared = defineEvent({
  service: 'intake',
  name: 'IncomeDeclared',
  version: 1,
  published: true,
  description:
    "A monthly income from one source, valid over a period: the client's own, or a household " +
    "member's (`memberId`, as in HouseholdMemberAdded) for the income per household member.",
  schema: z
    .object({
      ...factBase,
      memberId: z.uuid().optional().meta({
        description: "Whose income: a member of the client's household; absent for the client's own",
      }),
      source: IncomeSource,
      monthlyAmount: Money,
    })
    .meta({ id: 'IncomeDeclared' }),
});

export const DisabilityAssessed = defineEvent({
  service: 'intake',
  name: 'DisabilityAssessed',
  version: 1,
  published: true,
  description:
    'A ТЕЛК/НЕЛК decision: the degree of disability in percent and whether outside assistance is ' +
    'needed, valid over a period. The decision number stays in intake.',
  schema: z
    .object({
      ...factBase,
      degreePercent: z.number().min(0).max(100),
      outsideAssistanceNeeded: z.boolean(),
    })
    .meta({ id: 'DisabilityAssessed' }),
});

export const DisabilityDecisionRecorded = defineEvent({
  service: 'intake',
  name: 'DisabilityDecisionRecorded',
  version: 1,
  published: false,
  description: 'The commission and decision number behind a DisabilityAssessed, kept in intake only.',
  schema: z.object({
    clientId: ClientId,
    factId: z.uuid(),
    commission: Commission,
    decisionNumber: z.string(),
    decidedOn: CalendarDate,
  }),
});

export const DwellingOwnershipRecorded = defineEvent({
  service: 'intake',
  name: 'DwellingOwnershipRecorded',
  version: 1,
  published: true,
  description: 'Whether the client owns a dwelling, over a period.',
  schema: z.object({ ...factBase, ownsDwelling: z.boolean() }).meta({ id: 'DwellingOwnershipRecorded' }),
});

export const SavingsDeclared = defineEvent({
  service: 'intake',
  name: 'SavingsDeclared',
  version: 1,
  published: true,
  description:
    "The client's savings as declared on `validFrom`, holding until `validTo` or a later declaration; zero " +
    'when the client declares none. An amount declared before 2026 may be in BGN, as incomes are.',
  schema: z.object({ ...factBase, amount: Money }).meta({ id: 'SavingsDeclared' }),
});

export const DwellingDisposed = defineEvent({
  service: 'intake',
  name: 'DwellingDisposed',
  version: 1,
  published: true,
  description:
    'The client sold or gave away a dwelling: `validFrom` is the day of the deed, and the fact holds from ' +
    'then on (a tariff decides for how many years it counts). The dwelling and the other party are not ' +
    'published.',
  schema: z.object({ ...factBase, how: DisposalKind }).meta({ id: 'DwellingDisposed' }),
});

export const ClientGroupRecorded = defineEvent({
  service: 'intake',
  name: 'ClientGroupRecorded',
  version: 1,
  published: true,
  description:
    'The client belongs, over a period, to a group a tariff charges differently (adults with intellectual ' +
    'disabilities or mental disorders). Health data kept to the least a fee needs: only the group, never ' +
    'the diagnosis or the document it rests on, which stay in the case file.',
  schema: z.object({ ...factBase, group: ClientGroup }).meta({ id: 'ClientGroupRecorded' }),
});

export const SchoolEnrolmentRecorded = defineEvent({
  service: 'intake',
  name: 'SchoolEnrolmentRecorded',
  version: 1,
  published: true,
  description:
    'The client is a pupil in secondary school over the period (`validTo`: the day they finish or leave, ' +
    'open while not known). Only the period is published, not the school.',
  schema: z.object(factBase).meta({ id: 'SchoolEnrolmentRecorded' }),
});

export const ConsentRecorded = defineEvent({
  service: 'intake',
  name: 'ConsentRecorded',
  version: 1,
  published: true,
  description: 'The client gave or withdrew consent to the processing of their data, from a date.',
  schema: z.object({ ...factBase, status: z.enum(['given', 'withdrawn']) }).meta({ id: 'ConsentRecorded' }),
});

export const FactRetracted = defineEvent({
  service: 'intake',
  name: 'FactRetracted',
  version: 1,
  published: true,
  description: 'A fact recorded in error no longer counts (it stays in the history, marked retracted).',
  schema: z.object({ clientId: ClientId, factId: z.uuid(), kind: FactKind }).meta({ id: 'FactRetracted' }),
});

export const FactRetractionReasonRecorded = defineEvent({
  service: 'intake',
  name: 'FactRetractionReasonRecorded',
  version: 1,
  published: false,
  description: 'Why a fact was retracted, in the words of the case manager; kept in intake only.',
  schema: z.object({ clientId: ClientId, factId: z.uuid(), reason: z.string() }),
});

export const factEvents = [
  IncomeDeclared,
  DisabilityAssessed,
  DisabilityDecisionRecorded,
  DwellingOwnershipRecorded,
  SavingsDeclared,
  DwellingDisposed,
  ClientGroupRecorded,
  SchoolEnrolmentRecorded,
  ConsentRecorded,
  FactRetracted,
  FactRetractionReasonRecorded,
] as const;
