import { clientDirectoryMigration } from '@casework/client-directory';
import type { Migration } from 'kysely/migration';
import { billingMigration } from './0200_billing.js';
import { paymentsMigration } from './0201_payments.js';
import { reportsMigration } from './0202_reports.js';
import { paymentListsMigration } from './0203_payment_lists.js';
import { settlementsRecordedMigration } from './0204_settlements_recorded.js';
import { accountSnapshotsMigration } from './0205_account_snapshots.js';
import { accountsHeapOnlyMigration } from './0206_accounts_heap_only.js';
import { statementRunsMigration } from './0207_statement_runs.js';
import { inputsCommitOrderMigration } from './0208_inputs_commit_order.js';
import { statementLinesInTheLogMigration } from './0209_statement_lines_in_the_log.js';
import { adjustmentsConvertedMigration } from './0210_adjustments_converted.js';

/** Billing's tables beside its event store: the events it consumed, and its read models. */
export const billingMigrations = (schema: string): Record<string, Migration> => ({
  ...clientDirectoryMigration(schema),
  '0200_billing': billingMigration(schema),
  '0201_payments': paymentsMigration(schema),
  '0202_reports': reportsMigration(schema),
  '0203_payment_lists': paymentListsMigration(schema),
  '0204_settlements_recorded': settlementsRecordedMigration(schema),
  '0205_account_snapshots': accountSnapshotsMigration(schema),
  '0206_accounts_heap_only': accountsHeapOnlyMigration(schema),
  '0207_statement_runs': statementRunsMigration(schema),
  '0208_inputs_commit_order': inputsCommitOrderMigration(schema),
  '0209_statement_lines_in_the_log': statementLinesInTheLogMigration(schema),
  '0210_adjustments_converted': adjustmentsConvertedMigration(schema),
});
