import type { z } from 'zod';

export type Service = 'intake' | 'eligibility' | 'placement' | 'billing';

/**
 * One event contract. `published` events leave the service (relay → NATS); internal events stay in the
 * service's own store (they may hold personal data, which never crosses a service boundary).
 */
export type EventDefinition<Name extends string = string, Schema extends z.ZodType = z.ZodType> = {
  service: Service;
  name: Name;
  version: number;
  published: boolean;
  /**
   * Published also to integrators (the event feed and webhooks), as references: only events whose
   * records an integrator may read through the API, so that the event itself tells nothing more.
   */
  forIntegrators?: boolean;
  description: string;
  schema: Schema;
};

export function defineEvent<Name extends string, Schema extends z.ZodType>(
  def: EventDefinition<Name, Schema>,
): EventDefinition<Name, Schema> {
  return def;
}

/** `casework.<service>.<Name>.v<N>`: the CloudEvents type. */
export const cloudEventType = (d: EventDefinition) => `casework.${d.service}.${d.name}.v${d.version}`;

/** `<prefix>.<service>.<Name>`: the NATS subject (the prefix is `casework` outside tests). */
export const subjectOf = (prefix: string, service: string, name: string) => `${prefix}.${service}.${name}`;

/** A domain event as deciders produce it: its stored name and its payload. */
export type DomainEvent<Name extends string = string, Data = unknown> = { type: Name; data: Data };

export type EventOf<D extends EventDefinition> =
  D extends EventDefinition<infer N, infer S> ? DomainEvent<N, z.infer<S>> : never;

/**
 * An aggregate's pure logic (DESIGN §2): `decide(command, state) → events` (or a DomainError),
 * `evolve(state, event) → state`, from `initialState`. No clock, no ids, no I/O.
 */
export type Decider<S, C, E extends DomainEvent> = {
  initialState: S;
  decide: (command: C, state: S) => E[];
  evolve: (state: S, event: E) => S;
};
