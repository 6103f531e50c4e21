import { deciderSpec } from '@casework/testkit';
import t from 'tap';
import { type EntryEvent, entryDecider } from '../src/domain/entry.js';

const spec = deciderSpec(entryDecider);
const ref = {
  entryId: '0a000000-0000-4000-8000-000000000001',
  clientId: '10000000-0000-4000-8000-000000000001',
  serviceType: 'protected_housing',
  municipality: 'BLG01',
} as const;
const siteId = '5a000000-0000-4000-8000-000000000001';
const offerId = (n: number) => `0f000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const listed: EntryEvent = { type: 'WaitingListed', data: { ...ref, listedOn: '2026-09-14' } };
const offer = (n: number) =>
  ({
    offerId: offerId(n),
    siteId,
    from: '2026-12-01',
    madeOn: '2026-11-23',
    expiresAfter: '2026-11-30',
  }) as const;
const made = (n: number, outOfTurn = false): EntryEvent => ({
  type: 'OfferMade',
  data: { ...ref, ...offer(n), outOfTurn },
});
const declined = (n: number, declines: number, validReason = false): EntryEvent => ({
  type: 'OfferDeclined',
  data: {
    ...ref,
    offerId: offerId(n),
    siteId,
    on: '2026-11-24',
    reason: validReason ? 'health' : 'no_reason_given',
    validReason,
    declinesWithoutValidReason: declines,
  },
});
const decline = (n: number, validReason = false) =>
  ({
    type: 'Decline',
    offerId: offerId(n),
    on: '2026-11-24',
    reason: validReason ? 'health' : 'no_reason_given',
    validReason,
    declinesBeforeMove: 2,
  }) as const;

t.test('listing, priority and removal', async (t) => {
  spec(t)
    .given([])
    .when({ type: 'List', ...ref, listedOn: '2026-09-14' })
    .then([listed]);
  spec(t)
    .given([listed])
    .when({ type: 'List', ...ref, listedOn: '2026-09-14' })
    .then([], 'listed once');
  spec(t)
    .given([listed])
    .when({ type: 'SetPriority', priorityClass: 'crisis', crisis: 'homelessness', on: '2026-11-23' })
    .then([
      {
        type: 'PriorityClassSet',
        data: { ...ref, priorityClass: 'crisis', crisis: 'homelessness', on: '2026-11-23' },
      },
    ]);
  spec(t)
    .given([listed])
    .when({ type: 'SetPriority', priorityClass: 'crisis', on: '2026-11-23' })
    .thenFails('CRISIS_KIND');
  spec(t)
    .given([])
    .when({ type: 'SetPriority', priorityClass: 'standard', on: '2026-11-23' })
    .thenFails('NOT_ON_LIST');
  spec(t)
    .given([listed])
    .when({ type: 'Remove', on: '2026-11-23', reason: 'eligibility_lapsed' })
    .then([
      { type: 'WaitingListEntryRemoved', data: { ...ref, on: '2026-11-23', reason: 'eligibility_lapsed' } },
    ]);
});

t.test('one offer at a time; out of turn only with a justification', async (t) => {
  spec(t)
    .given([listed])
    .when({ type: 'MakeOffer', ...offer(1), outOfTurn: false })
    .then([made(1)]);
  spec(t)
    .given([listed, made(1)])
    .when({ type: 'MakeOffer', ...offer(2), outOfTurn: false })
    .thenFails('OFFER_OPEN');
  spec(t)
    .given([listed])
    .when({ type: 'MakeOffer', ...offer(1), outOfTurn: true })
    .thenFails('JUSTIFICATION_REQUIRED');
  spec(t)
    .given([listed])
    .when({
      type: 'MakeOffer',
      ...offer(1),
      outOfTurn: true,
      justification: { text: 'A sibling already lives there', supervisor: 'sup-1' },
    })
    .then([
      made(1, true),
      {
        type: 'OfferJustified',
        data: {
          entryId: ref.entryId,
          offerId: offerId(1),
          justification: 'A sibling already lives there',
          supervisor: 'sup-1',
        },
      },
    ]);
});

t.test('answers: accept in time, decline with a reason, lapse', async (t) => {
  spec(t)
    .given([listed, made(1)])
    .when({ type: 'Accept', offerId: offerId(1), on: '2026-11-30', admitBy: '2026-12-14' })
    .then([
      {
        type: 'OfferAccepted',
        data: { ...ref, offerId: offerId(1), siteId, on: '2026-11-30', admitBy: '2026-12-14' },
      },
    ]);
  spec(t)
    .given([listed, made(1)])
    .when({ type: 'Accept', offerId: offerId(1), on: '2026-12-01', admitBy: '2026-12-15' })
    .thenFails('OFFER_EXPIRED');
  spec(t)
    .given([listed, made(1)])
    .when(decline(1, true))
    .then([declined(1, 0, true)], 'a valid reason is not counted');
  spec(t)
    .given([listed, made(1)])
    .when(decline(1))
    .then([declined(1, 1)]);
  spec(t)
    .given([listed, made(1), declined(1, 1), made(2)])
    .when(decline(2))
    .then(
      [declined(2, 2), { type: 'EntryMovedToEnd', data: { ...ref, on: '2026-11-24', declines: 2 } }],
      'the second decline without a valid reason moves the entry to the end of its class',
    );
  spec(t)
    .given([listed, made(1)])
    .when({ type: 'Expire', on: '2026-12-01', declinesBeforeMove: 2 })
    .then([
      {
        type: 'OfferExpired',
        data: { ...ref, offerId: offerId(1), siteId, on: '2026-12-01', declinesWithoutValidReason: 1 },
      },
    ]);
  spec(t)
    .given([listed, made(1)])
    .when({ type: 'Expire', on: '2026-11-30', declinesBeforeMove: 2 })
    .then([], 'not before its last working day has passed');
});

t.test('taking up an accepted offer', async (t) => {
  const accepted: EntryEvent = {
    type: 'OfferAccepted',
    data: { ...ref, offerId: offerId(1), siteId, on: '2026-11-25', admitBy: '2026-12-09' },
  };
  const takeUp = {
    type: 'TakeUp',
    offerId: offerId(1),
    clientId: ref.clientId,
    siteId,
    on: '2026-12-01',
  } as const;
  spec(t)
    .given([listed, made(1), accepted])
    .when(takeUp)
    .then([{ type: 'WaitingListEntryRemoved', data: { ...ref, on: '2026-12-01', reason: 'admitted' } }]);
  spec(t)
    .given([listed, made(1)])
    .when(takeUp)
    .thenFails('OFFER_NOT_OPEN', 'not accepted yet');
  spec(t)
    .given([listed, made(1), accepted])
    .when({ ...takeUp, on: '2026-12-10' })
    .thenFails('ADMISSION_OVERDUE');
  spec(t)
    .given([listed, made(1), accepted])
    .when({ ...takeUp, siteId: '5a000000-0000-4000-8000-000000000002' })
    .thenFails('OFFER_MISMATCH');
  spec(t)
    .given([listed, made(1), accepted])
    .when({ ...takeUp, on: '2026-11-30' })
    .thenFails('BEFORE_OFFERED_DATE');
});
