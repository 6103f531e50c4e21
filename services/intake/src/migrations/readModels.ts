import type { Migration } from 'kysely/migration';
import { intakeReadModelsMigration } from './0100_intake_read_models.js';

/**
 * Intake's read models, in the `intake` schema after the event store's tables. Its access log is
 * service-kit's (migration 0010, run first on a new schema; it once was created here).
 */
export const intakeMigrations = (schema: string): Record<string, Migration> => ({
  '0100_intake_read_models': intakeReadModelsMigration(schema),
});
