import type { Migration } from 'kysely/migration';

export const appendSignalledAfterCommit = (): Migration => ({
  async up() {
    // a change of routines only: routines.ts holds them, installed after the migrations at every migrate
    // a NOTIFY inside the appending transaction serialises the commits of every appender (PostgreSQL
    // takes a cluster-wide lock from pre-commit to the end of commit, across the WAL flush), halving
    // the throughput of 16 writers; the driver now signals after commit instead (database.ts)
  },
});
