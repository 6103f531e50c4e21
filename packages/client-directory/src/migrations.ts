import type { Migration } from 'kysely/migration';
import * as m0100 from './migrations/0100_client_directory.js';
import * as m0101 from './migrations/0101_client_directory_lifecycle.js';
import * as m0102 from './migrations/0102_client_directory_merged_index.js';

/**
 * The directory of clients that eligibility, placement and billing keep from intake's events: no
 * personal data, only what their rules need. One implementation, hosted in each consuming schema; each
 * migration in its own file, as applied.
 */
export const clientDirectoryMigration = (schema: string): Record<string, Migration> => ({
  '0100_client_directory': { up: (db) => m0100.up(db, schema) },
  '0101_client_directory_lifecycle': { up: (db) => m0101.up(db, schema) },
  '0102_client_directory_merged_index': { up: (db) => m0102.up(db, schema) },
});
