import { clientDirectoryMigration } from '@casework/client-directory';
import type { Migration } from 'kysely/migration';
import { placementMigration } from './0300_placement.js';
import { waitingListsMigration } from './0301_waiting_lists.js';
import { absencesAttendanceMigration } from './0302_absences_attendance.js';
import { movementsMigration } from './0303_movements.js';
import { oneLedgerTableMigration } from './0304_one_ledger_table.js';
import { renewalsRespiteWaitingListHistoryMigration } from './0305_renewals_respite_waiting_list_history.js';
import { tasksAttendanceHistoryMigration } from './0306_tasks_attendance_history.js';
import { projectionPerReadModelMigration } from './0307_projection_per_read_model.js';

/**
 * Placement's tables beside its event store. Effective-dated rows carry both times (DESIGN §5): when
 * a fact held in the world (`valid_from`/`valid_to`) and when we learned it (`recorded_at`, and
 * `superseded_at` once a later event corrected it), so reads answer "as of D, as known at T".
 */
export const placementMigrations = (schema: string): Record<string, Migration> => ({
  ...clientDirectoryMigration(schema),
  '0300_placement': placementMigration(schema),
  '0301_waiting_lists': waitingListsMigration(schema),
  '0302_absences_attendance': absencesAttendanceMigration(schema),
  '0303_movements': movementsMigration(schema),
  '0304_one_ledger_table': oneLedgerTableMigration(schema),
  '0305_renewals_respite_waiting_list_history': renewalsRespiteWaitingListHistoryMigration(schema),
  '0306_tasks_attendance_history': tasksAttendanceHistoryMigration(schema),
  '0307_projection_per_read_model': projectionPerReadModelMigration(schema),
});
