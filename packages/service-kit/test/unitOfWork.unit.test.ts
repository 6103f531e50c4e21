import { ConcurrencyError } from '@casework/eventstore';
import t from 'tap';
import { isRetryable, retrying } from '../src/unitOfWork.js';

// One retry rule for every unit of work: a lost race or a broken deadlock is decided again on fresh
// state, a few times; anything else (a refusal by the rules, a broken database) is the caller's at once.

const lostRace = () => new ConcurrencyError('site-1', '3', 4);
const deadlock = () => Object.assign(new Error('deadlock detected'), { code: '40P01' });

t.test('a lost race or a broken deadlock is tried again, and the next attempt answers', async (t) => {
  for (const failure of [lostRace, deadlock]) {
    let attempts = 0;
    const answer = await retrying(async () => {
      attempts++;
      if (attempts < 3) throw failure();
      return 'decided';
    });
    t.equal(answer, 'decided');
    t.equal(attempts, 3, `${failure().name}: two failures, then the answer`);
  }
});

t.test('anything else is thrown at once', async (t) => {
  let attempts = 0;
  await t.rejects(
    retrying(async () => {
      attempts++;
      throw Object.assign(new Error('unique violation'), { code: '23505' });
    }),
    /unique violation/,
  );
  t.equal(attempts, 1);
  t.notOk(isRetryable(new Error('no code')));
});

t.test('after five lost races the last is the caller’s', async (t) => {
  let attempts = 0;
  await t.rejects(
    retrying(async () => {
      attempts++;
      throw lostRace();
    }),
    ConcurrencyError,
  );
  t.equal(attempts, 5);
});
