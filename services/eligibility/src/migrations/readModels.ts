import { clientDirectoryMigration } from '@casework/client-directory';
import type { Migration } from 'kysely/migration';
import { eligibilityMigration } from './0200_eligibility.js';
import { reevaluationPartsMigration } from './0201_reevaluation_parts.js';
import { reevaluationAnswersMigration } from './0202_reevaluation_answers.js';
import { decidingFactsMigration } from './0203_deciding_facts.js';

/** Eligibility's tables beside its event store: the facts it consumed, read models, re-evaluation jobs. */
export const eligibilityMigrations = (schema: string): Record<string, Migration> => ({
  ...clientDirectoryMigration(schema),
  '0200_eligibility': eligibilityMigration(schema),
  '0201_reevaluation_parts': reevaluationPartsMigration(schema),
  '0202_reevaluation_answers': reevaluationAnswersMigration(schema),
  '0203_deciding_facts': decidingFactsMigration(schema),
});
