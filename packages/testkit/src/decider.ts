import type { Test } from 'tap';

/**
 * Given/when/then for deciders: `given(events).when(command).then(events)` or `.thenThrows(Class)`.
 * Works with tap's assertions through the `Asserts` it is given.
 */
export type Decider<C, S, E> = {
  decide: (command: C, state: S) => E[];
  evolve: (state: S, event: E) => S;
  initialState: S;
};

type Asserts = Pick<Test, 'same' | 'ok'>;

export function deciderSpec<C, S, E>(decider: Decider<C, S, E>) {
  return (t: Asserts) => ({
    given: (events: E[]) => ({
      when: (command: C) => {
        const run = () => decider.decide(command, events.reduce(decider.evolve, decider.initialState));
        return {
          // biome-ignore lint/suspicious/noThenProperty: given/when/then reads as the specification; never awaited
          then: (expected: E[], message = 'decides these events') => t.same(run(), expected, message),
          thenThrows: (error: new (...args: never[]) => Error, message?: string) => {
            let thrown: unknown;
            try {
              run();
            } catch (e) {
              thrown = e;
            }
            return t.ok(thrown instanceof error, message ?? `throws ${error.name}`);
          },
        };
      },
    }),
  });
}
