import { z } from 'zod';
import { ClientGroup, Commission, DisposalKind, FactKind, IncomeSource } from '../events/intake/facts.js';
import { Instant, LocalDate } from '../localDate.js';
import { Money } from '../money.js';
import { exampleFact } from './examples.js';

const period = {
  validFrom: LocalDate,
  validTo: LocalDate.optional().meta({ description: 'Last day it holds (inclusive); open when absent' }),
  supersedes: z.uuid().optional().meta({ description: 'A fact of the same kind that this one corrects' }),
};
const periodInOrder = (b: { validFrom: string; validTo?: string | undefined }) =>
  !b.validTo || b.validTo >= b.validFrom;
const ORDER = { path: ['validTo'], message: 'must not be before validFrom' };

export const IncomeBody = z
  .object({
    ...period,
    memberId: z
      .uuid()
      .optional()
      .meta({ description: "A current household member's income; leave out for the client's own" }),
    source: IncomeSource,
    monthlyAmount: Money.refine((m) => m.amountMinor >= 0, { message: 'must not be negative' }),
  })
  .refine(periodInOrder, ORDER)
  .meta({
    id: 'DeclareIncome',
    example: {
      source: 'pension',
      monthlyAmount: { amountMinor: 32_000, currency: 'EUR' },
      validFrom: '2026-07-01',
    },
  });

export const DisabilityBody = z
  .object({
    ...period,
    degreePercent: z.number().min(0).max(100).multipleOf(0.01),
    outsideAssistanceNeeded: z.boolean(),
    commission: Commission,
    decisionNumber: z.string().trim().min(1).max(50),
    decidedOn: LocalDate,
  })
  .refine(periodInOrder, ORDER)
  .meta({
    id: 'RecordDisabilityAssessment',
    example: {
      degreePercent: 71,
      outsideAssistanceNeeded: false,
      commission: 'TELK',
      decisionNumber: '1234/2026',
      decidedOn: '2026-03-10',
      validFrom: '2026-03-10',
      validTo: '2029-03-31',
    },
  });

export const DwellingOwnershipBody = z
  .object({ ...period, ownsDwelling: z.boolean() })
  .refine(periodInOrder, ORDER)
  .meta({ id: 'RecordDwellingOwnership', example: { ownsDwelling: false, validFrom: '2026-01-01' } });

export const SavingsBody = z
  .object({
    ...period,
    amount: Money.refine((m) => m.amountMinor >= 0, { message: 'must not be negative' }).meta({
      description: 'All the savings on validFrom; zero for none',
    }),
  })
  .refine(periodInOrder, ORDER)
  .meta({
    id: 'DeclareSavings',
    example: { amount: { amountMinor: 120_000, currency: 'BGN' }, validFrom: '2025-10-01' },
  });

export const DwellingDisposalBody = z
  .object({
    disposedOn: LocalDate.meta({ description: 'The day of the deed' }),
    how: DisposalKind,
    supersedes: period.supersedes,
  })
  .meta({ id: 'RecordDwellingDisposal', example: { disposedOn: '2023-05-10', how: 'gifted' } });

export const ClientGroupBody = z
  .object({ ...period, group: ClientGroup })
  .refine(periodInOrder, ORDER)
  .meta({
    id: 'RecordClientGroup',
    example: { group: 'intellectual_or_mental_disability', validFrom: '2026-03-10', validTo: '2029-03-31' },
  });

export const SchoolEnrolmentBody = z
  .object(period)
  .refine(periodInOrder, ORDER)
  .meta({
    id: 'RecordSchoolEnrolment',
    description: 'A pupil in secondary school from validFrom; validTo the day they finish or leave',
    example: { validFrom: '2026-09-15', validTo: '2027-06-30' },
  });

export const ConsentBody = z
  .object({ status: z.enum(['given', 'withdrawn']), validFrom: LocalDate })
  .meta({ id: 'RecordConsent', example: { status: 'given', validFrom: '2026-11-23' } });

export const RetractFactBody = z
  .object({ reason: z.string().trim().min(5).max(2000) })
  .meta({ id: 'RetractFact', example: { reason: 'Entered for the wrong client' } });

export const FactParams = z.object({ clientId: z.uuid(), factId: z.uuid() });

export const Fact = z
  .object({
    factId: z.uuid(),
    clientId: z.uuid(),
    kind: FactKind,
    validFrom: LocalDate,
    validTo: LocalDate.optional(),
    data: z.record(z.string(), z.unknown()).meta({ description: 'The fact’s own fields, by kind' }),
    recordedAt: z.iso.datetime(),
    supersedes: z.uuid().optional(),
    supersededBy: z.uuid().optional(),
    retracted: z.boolean(),
  })
  .meta({ id: 'Fact', example: exampleFact });
export type Fact = z.infer<typeof Fact>;

export const FactsQuery = z.object({
  asOf: LocalDate.optional().meta({ description: 'Facts in force on this date (default: today in Sofia)' }),
  knownAt: Instant.optional().meta({
    description: 'As they were known at this time (default: now); later records are ignored',
  }),
  kind: FactKind.optional(),
});

export const FactsAsOf = z
  .object({
    clientId: z.uuid(),
    asOf: LocalDate,
    knownAt: z.iso.datetime(),
    inForce: z.array(Fact).meta({ description: 'For each kind (and income source) the fact that holds' }),
    history: z.array(Fact).meta({ description: 'Every fact recorded by knownAt, corrections included' }),
  })
  .meta({
    id: 'FactsAsOf',
    example: {
      clientId: exampleFact.clientId,
      asOf: '2026-11-23',
      knownAt: '2026-11-23T09:00:00.000Z',
      inForce: [exampleFact],
      history: [exampleFact],
    },
  });

export const FactRecorded = z
  .object({ clientId: z.uuid(), factId: z.uuid(), kind: FactKind, version: z.number().int() })
  .meta({
    id: 'FactRecorded',
    example: {
      clientId: '01900000-0000-7000-8000-000000000001',
      factId: '01900000-0000-7000-8000-0000000000f1',
      kind: 'income',
      version: 3,
    },
  });
