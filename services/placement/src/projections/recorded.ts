import type { RecordedEvent } from '@casework/eventstore';

type DomainEvent = { type: string; data: unknown };

/** A domain event as the log recorded it: when, and under which id. */
export type Recorded<E extends DomainEvent> = E & { recordedAt: string; eventId: string };

/** The domain event a log row holds (its data was validated against its schema when appended). */
export const recorded = <E extends DomainEvent>(ev: RecordedEvent): Recorded<E> =>
  ({ type: ev.type, data: ev.data, recordedAt: ev.recordedAt, eventId: ev.eventId }) as Recorded<E>;
