import { z } from 'zod';
import { MunicipalityCode } from '../codes.js';
import { ApplicationId } from '../events/intake/applications.js';
import { Finding, NeedDomain } from '../events/intake/assessments.js';
import { ClientId } from '../events/intake/clients.js';
import { CalendarDate, LocalDate } from '../localDate.js';
import { ServiceTypeCode } from '../serviceType.js';
import { exampleAssessment, exampleOverdue } from './examples.js';

export const RecordAssessmentBody = z
  .object({
    assessedOn: LocalDate,
    applicationId: ApplicationId.optional(),
    findings: z.array(Finding).min(1),
    recommendedServiceType: ServiceTypeCode.optional(),
  })
  .refine((b) => new Set(b.findings.map((f) => f.domain)).size === b.findings.length, {
    path: ['findings'],
    message: 'one finding per domain',
  })
  .meta({
    id: 'RecordNeedsAssessment',
    example: {
      assessedOn: '2026-11-30',
      findings: [
        { domain: 'daily_living', level: 'moderate', finding: 'Needs prompting with cooking and budgeting' },
        { domain: 'housing', level: 'high', finding: 'Has to leave the family home' },
      ],
      recommendedServiceType: 'protected_housing',
    },
  });

export const AgreePlanBody = z
  .object({
    assessmentId: z.uuid(),
    agreedOn: LocalDate,
    reviewOn: LocalDate,
    goals: z
      .array(
        z.object({ domain: NeedDomain, goal: z.string().trim().min(3).max(2000), by: LocalDate.optional() }),
      )
      .min(1),
  })
  .refine((b) => b.reviewOn > b.agreedOn, { path: ['reviewOn'], message: 'must be after agreedOn' })
  .meta({
    id: 'AgreeSupportPlan',
    example: {
      assessmentId: '01900000-0000-7000-8000-0000000000a1',
      agreedOn: '2026-12-02',
      reviewOn: '2027-06-02',
      goals: [{ domain: 'daily_living', goal: 'Cooks a simple meal on their own', by: '2027-03-01' }],
    },
  });

export const AssessmentRecord = z
  .object({
    assessmentId: z.uuid(),
    clientId: ClientId,
    applicationId: ApplicationId.optional(),
    assessedOn: LocalDate,
    recommendedServiceType: ServiceTypeCode.optional(),
    reassessmentDue: CalendarDate,
    findings: z.array(Finding),
    plan: z
      .object({
        planId: z.uuid(),
        agreedOn: LocalDate,
        reviewOn: LocalDate,
        goals: z.array(z.object({ domain: NeedDomain, goal: z.string(), by: LocalDate.optional() })),
      })
      .optional(),
  })
  .meta({ id: 'NeedsAssessment', example: exampleAssessment });
export type AssessmentRecord = z.infer<typeof AssessmentRecord>;

export const AssessmentsOfClient = z
  .object({ clientId: ClientId, items: z.array(AssessmentRecord), version: z.number().int() })
  .meta({
    id: 'NeedsAssessments',
    example: { clientId: exampleAssessment.clientId, items: [exampleAssessment], version: 4 },
  });

export const OverdueQuery = z.object({
  asOf: LocalDate.optional().meta({ description: 'Default: today in Sofia' }),
  caseManager: z.string().optional(),
  municipality: MunicipalityCode.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().optional(),
});

export const OverdueReassessment = z
  .object({
    clientId: ClientId,
    municipality: MunicipalityCode,
    caseManager: z.string().optional(),
    lastAssessedOn: LocalDate,
    reassessmentDue: CalendarDate,
    daysOverdue: z.number().int(),
  })
  .meta({ id: 'OverdueReassessment', example: exampleOverdue });

export const OverduePage = z
  .object({ asOf: LocalDate, items: z.array(OverdueReassessment), next: z.string().optional() })
  .meta({ id: 'OverdueReassessments', example: { asOf: '2026-11-23', items: [exampleOverdue] } });
