import type { Decider, DomainEvent } from '@casework/contracts';
import type { Test } from 'tap';

type Asserts = Pick<Test, 'same' | 'ok' | 'equal'>;

/**
 * Given/when/then for deciders: `given(events).when(command).then(events)`, or `.thenFails(code)` for a
 * DomainError with that code (or an error class).
 */
export function deciderSpec<S, C, E extends DomainEvent>(decider: Decider<S, C, E>) {
  return (t: Asserts) => ({
    given: (events: E[]) => ({
      when: (command: C) => {
        const run = () => decider.decide(command, events.reduce(decider.evolve, decider.initialState));
        return {
          // biome-ignore lint/suspicious/noThenProperty: given/when/then reads as the specification; never awaited
          then: (expected: E[], message = 'decides these events') => t.same(run(), expected, message),
          thenFails: (expected: string | (new (...args: never[]) => Error), message?: string) => {
            let thrown: unknown;
            try {
              run();
            } catch (e) {
              thrown = e;
            }
            if (typeof expected === 'string')
              return t.equal(
                (thrown as { code?: string } | undefined)?.code,
                expected,
                message ?? `fails with ${expected}`,
              );
            return t.ok(thrown instanceof expected, message ?? `throws ${expected.name}`);
          },
        };
      },
    }),
  });
}
