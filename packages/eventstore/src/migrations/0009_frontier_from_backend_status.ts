import type { Migration } from 'kysely/migration';

export const frontierFromBackendStatus = (): Migration => ({
  async up() {
    // a change of routines only: routines.ts holds them, installed after the migrations at every migrate
    // the backends' status without the pg_stat_activity view (its joins cost a millisecond or more
    // per call, paid by every page a follower reads while any transaction is in flight)
  },
});
