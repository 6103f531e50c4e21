import { JetStreamApiError } from '@nats-io/jetstream';

/** The JetStream API's error code of a failure (one of JetStreamApiCodes), if the server gave one. */
export const apiCode = (e: unknown): number | undefined =>
  e instanceof JetStreamApiError ? e.code : undefined;
