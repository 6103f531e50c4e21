import { z } from 'zod';
import { defineEvent } from '../../eventCatalogue.js';
import { CalendarDate } from '../../localDate.js';
import { ServiceTypeCode } from '../../serviceType.js';
import { ApplicationId } from './applications.js';
import { ClientId } from './clients.js';

export const NeedDomain = z.enum([
  'health',
  'daily_living',
  'mobility',
  'communication',
  'social_inclusion',
  'housing',
  'education_employment',
  'finances',
  'safety',
]);
export const NeedLevel = z.enum(['none', 'low', 'moderate', 'high']);
export const Finding = z.object({ domain: NeedDomain, level: NeedLevel, finding: z.string().max(2000) });

export const NeedsAssessed = defineEvent({
  service: 'intake',
  name: 'NeedsAssessed',
  version: 1,
  published: true,
  description:
    'An individual needs assessment was completed. Carries the recommendation and the reassessment ' +
    'date; the findings stay in intake.',
  schema: z
    .object({
      clientId: ClientId,
      assessmentId: z.uuid(),
      applicationId: ApplicationId.optional(),
      assessedOn: CalendarDate,
      recommendedServiceType: ServiceTypeCode.optional(),
      reassessmentDue: CalendarDate,
      domains: z.array(z.object({ domain: NeedDomain, level: NeedLevel })),
    })
    .meta({ id: 'NeedsAssessed' }),
});

export const NeedsFindingsRecorded = defineEvent({
  service: 'intake',
  name: 'NeedsFindingsRecorded',
  version: 1,
  published: false,
  description: 'The written findings of a needs assessment, per domain; kept in intake only.',
  schema: z.object({ clientId: ClientId, assessmentId: z.uuid(), findings: z.array(Finding) }),
});

export const SupportPlanAgreed = defineEvent({
  service: 'intake',
  name: 'SupportPlanAgreed',
  version: 1,
  published: true,
  description: 'An individual support plan was agreed after an assessment, with its review date.',
  schema: z
    .object({
      clientId: ClientId,
      planId: z.uuid(),
      assessmentId: z.uuid(),
      agreedOn: CalendarDate,
      reviewOn: CalendarDate,
      goalCount: z.number().int().min(1),
    })
    .meta({ id: 'SupportPlanAgreed' }),
});

export const SupportPlanGoalsRecorded = defineEvent({
  service: 'intake',
  name: 'SupportPlanGoalsRecorded',
  version: 1,
  published: false,
  description: 'The goals of a support plan, in the words of the team; kept in intake only.',
  schema: z.object({
    clientId: ClientId,
    planId: z.uuid(),
    goals: z.array(z.object({ domain: NeedDomain, goal: z.string().max(2000), by: CalendarDate.optional() })),
  }),
});

export const assessmentEvents = [
  NeedsAssessed,
  NeedsFindingsRecorded,
  SupportPlanAgreed,
  SupportPlanGoalsRecorded,
] as const;
