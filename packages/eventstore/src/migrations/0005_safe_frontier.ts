import type { Migration } from 'kysely/migration';

export const safeFrontier = (): Migration => ({
  async up() {
    // a change of routines only: routines.ts holds them, installed after the migrations at every migrate
    // ADR 1: the frontier only this database's writers can hold, and a NOTIFY at each append's commit
  },
});
