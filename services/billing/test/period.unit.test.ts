import { DomainError } from '@casework/contracts';
import { deciderSpec } from '@casework/testkit';
import t from 'tap';
import { dueDate } from '../src/domain/dueDate.js';
import { type PeriodCommand, type PeriodEvent, periodDecider } from '../src/domain/period.js';

// Given a municipality's billing month, when statement numbers are allocated or the month is closed,
// then these events, or a DomainError with its code.

const spec = deciderSpec(periodDecider);
const ref = { municipality: 'BLG01', month: '2027-03' } as const;
const allocate = (count: number, today = '2027-04-02'): PeriodCommand => ({
  type: 'Allocate',
  ...ref,
  count,
  today,
});
const close = (today = '2027-04-30'): PeriodCommand => ({ type: 'Close', ...ref, today });
const allocated = (first: number, count: number): PeriodEvent => ({
  type: 'StatementNumbersAllocated',
  data: { ...ref, first, count },
});
const closed = (closedOn: string, statements: number): PeriodEvent => ({
  type: 'PeriodClosed',
  data: { ...ref, closedOn, statements },
});

/** The DomainError deciding the command on the given events throws, as [kind, code]. */
function refusal(given: PeriodEvent[], command: PeriodCommand) {
  try {
    periodDecider.decide(command, given.reduce(periodDecider.evolve, periodDecider.initialState));
  } catch (e) {
    return e instanceof DomainError ? [e.kind, e.code] : e;
  }
  return 'no error';
}

t.test('numbers are allocated from 1, then continue from the previous allocation', async (t) => {
  // 5 statements: numbers 1–5; the next run's 3 start at 5 + 1 = 6 (6–8); then 8 + 1 = 9
  spec(t)
    .given([])
    .when(allocate(5))
    .then([allocated(1, 5)]);
  spec(t)
    .given([allocated(1, 5)])
    .when(allocate(3))
    .then([allocated(6, 3)]);
  spec(t)
    .given([allocated(1, 5), allocated(6, 3)])
    .when(allocate(1))
    .then([allocated(9, 1)]);
});

t.test('no statements before the month ends', async (t) => {
  // March ends with the 31st: the 31st is too early, 1 April is the first day allowed
  t.strictSame(refusal([], allocate(5, '2027-03-31')), ['rule', 'MONTH_NOT_ENDED']);
  spec(t)
    .given([])
    .when(allocate(5, '2027-04-01'))
    .then([allocated(1, 5)]);
});

t.test('closing carries the count of statements numbered', async (t) => {
  // 5 + 3 = 8 statements
  spec(t)
    .given([allocated(1, 5), allocated(6, 3)])
    .when(close())
    .then([closed('2027-04-30', 8)]);
  spec(t)
    .given([])
    .when(close())
    .then([closed('2027-04-30', 0)], 'a month with no statements closes at 0');
});

t.test('a closed month allocates no more numbers', async (t) => {
  t.strictSame(refusal([allocated(1, 5), closed('2027-04-30', 5)], allocate(1, '2027-05-02')), [
    'conflict',
    'PERIOD_CLOSED',
  ]);
});

t.test('closing twice changes nothing; closing before the month ends is refused', async (t) => {
  spec(t)
    .given([allocated(1, 5), closed('2027-04-30', 5)])
    .when(close('2027-05-15'))
    .then([]);
  t.strictSame(refusal([], close('2027-03-31')), ['rule', 'MONTH_NOT_ENDED']);
});

t.test('a statement is due by the 20th of the next month, and never before it is issued', async (t) => {
  // January 2027 issued on 3 February: due 20 February
  t.equal(dueDate('2027-01', '2027-02-03', 20), '2027-02-20');
  // issued on the due day itself or later (a late run): the next 20th after issue
  t.equal(dueDate('2027-01', '2027-02-20', 20), '2027-03-20');
  // September 2026 issued only on 3 February 2027: due 20 February 2027, not 20 October 2026
  t.equal(dueDate('2026-09', '2027-02-03', 20), '2027-02-20');
  // December issued on 28 January: the next 20th is in February
  t.equal(dueDate('2026-12', '2027-01-28', 20), '2027-02-20');
});
