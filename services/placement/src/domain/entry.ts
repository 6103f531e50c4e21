import {
  breaksRule,
  conflictWith,
  type Decider,
  type EntryMovedToEnd,
  type EntryScored,
  type EventOf,
  type LocalDate,
  type OfferAccepted,
  type OfferDeclined,
  type OfferExpired,
  type OfferJustified,
  type OfferMade,
  type PriorityClassSet,
  type WaitingListEntryRemoved,
  type WaitingListed,
} from '@casework/contracts';

export type EntryEvent =
  | EventOf<typeof WaitingListed>
  | EventOf<typeof PriorityClassSet>
  | EventOf<typeof EntryScored>
  | EventOf<typeof OfferMade>
  | EventOf<typeof OfferJustified>
  | EventOf<typeof OfferAccepted>
  | EventOf<typeof OfferDeclined>
  | EventOf<typeof OfferExpired>
  | EventOf<typeof EntryMovedToEnd>
  | EventOf<typeof WaitingListEntryRemoved>;

type Listed = EventOf<typeof WaitingListed>['data'];
type Made = EventOf<typeof OfferMade>['data'];
type Ref = Pick<Listed, 'entryId' | 'clientId' | 'serviceType' | 'municipality'>;

export type Offer = Pick<Made, 'offerId' | 'siteId' | 'from' | 'madeOn' | 'expiresAfter'> & {
  status: 'open' | 'accepted';
  admitBy?: LocalDate;
};

export type Entry = {
  listed?: Listed;
  status: 'unlisted' | 'waiting' | 'removed';
  priorityClass: 'crisis' | 'standard';
  crisis?: PriorityClassSetData['crisis'];
  sheet?: EventOf<typeof EntryScored>['data']['sheet'];
  /** Declines without a valid reason since the entry last moved to the end of its class. */
  declines: number;
  movedToEndOn?: LocalDate;
  /** The offer being answered or taken up, if any. */
  offer?: Offer;
  /** Every offer made, with how it ended. */
  offers: Map<
    string,
    Offer | (Omit<Offer, 'status'> & { status: 'declined' | 'expired' | 'taken_up' | 'withdrawn' })
  >;
};
type PriorityClassSetData = EventOf<typeof PriorityClassSet>['data'];

export type EntryCommand =
  | ({ type: 'List' } & Listed)
  | {
      type: 'SetPriority';
      priorityClass: 'crisis' | 'standard';
      crisis?: PriorityClassSetData['crisis'];
      on: LocalDate;
    }
  | { type: 'Score'; sheet: EventOf<typeof EntryScored>['data']['sheet']; on: LocalDate }
  | ({
      type: 'MakeOffer';
      outOfTurn: boolean;
      justification?: { text: string; supervisor: string } | undefined;
    } & Pick<Made, 'offerId' | 'siteId' | 'from' | 'madeOn' | 'expiresAfter'>)
  | { type: 'Accept'; offerId: string; on: LocalDate; admitBy: LocalDate }
  | {
      type: 'Decline';
      offerId: string;
      on: LocalDate;
      reason: EventOf<typeof OfferDeclined>['data']['reason'];
      validReason: boolean;
      declinesBeforeMove: number;
    }
  | { type: 'Expire'; on: LocalDate; declinesBeforeMove: number }
  | { type: 'Remove'; on: LocalDate; reason: EventOf<typeof WaitingListEntryRemoved>['data']['reason'] }
  /** The admission that takes up an accepted offer: in time, at its site, for its person. */
  | { type: 'TakeUp'; offerId: string; clientId: string; siteId: string; on: LocalDate };

export const initialState: Entry = {
  status: 'unlisted',
  priorityClass: 'standard',
  declines: 0,
  offers: new Map(),
};

const refOf = (e: Entry): Ref => {
  const { entryId, clientId, serviceType, municipality } = e.listed!;
  return { entryId, clientId, serviceType, municipality };
};

function waiting(e: Entry): Ref {
  if (e.status !== 'waiting') throw conflictWith('NOT_ON_LIST', 'the entry is not on the waiting list');
  return refOf(e);
}

function theOffer(e: Entry, offerId: string, status?: Offer['status']): Offer {
  const o = e.offer;
  if (!o || o.offerId !== offerId) throw conflictWith('OFFER_NOT_OPEN', 'the offer is no longer open');
  if (status && o.status !== status) throw conflictWith('OFFER_NOT_OPEN', `the offer was ${o.status}`);
  return o;
}

/** A decline without a valid reason counts; enough of them move the entry to the end of its class. */
function counted(e: Entry, ref: Ref, on: LocalDate, counts: boolean, limit: number) {
  const declines = e.declines + (counts ? 1 : 0);
  const moved: EntryEvent[] =
    counts && declines >= limit ? [{ type: 'EntryMovedToEnd', data: { ...ref, on, declines } }] : [];
  return { declines, moved };
}

export function decide(command: EntryCommand, e: Entry): EntryEvent[] {
  switch (command.type) {
    case 'List': {
      if (e.status === 'waiting') return [];
      const { type: _, ...data } = command;
      return [{ type: 'WaitingListed', data }];
    }
    case 'SetPriority': {
      const ref = waiting(e);
      if ((command.priorityClass === 'crisis') !== (command.crisis !== undefined))
        throw breaksRule('CRISIS_KIND', 'a crisis class names its kind; the standard class names none');
      if (e.priorityClass === command.priorityClass && e.crisis === command.crisis) return [];
      return [
        {
          type: 'PriorityClassSet',
          data: {
            ...ref,
            priorityClass: command.priorityClass,
            ...(command.crisis ? { crisis: command.crisis } : {}),
            on: command.on,
          },
        },
      ];
    }
    case 'Score':
      return [{ type: 'EntryScored', data: { ...waiting(e), sheet: command.sheet, on: command.on } }];
    case 'MakeOffer': {
      const ref = waiting(e);
      if (e.offer?.offerId === command.offerId) return [];
      if (e.offer)
        throw conflictWith('OFFER_OPEN', `an offer made on ${e.offer.madeOn} is ${e.offer.status}`);
      if (command.outOfTurn && !command.justification)
        throw breaksRule(
          'JUSTIFICATION_REQUIRED',
          'an offer out of turn needs a supervisor’s written reason',
        );
      const { type: _, justification, ...offer } = command;
      const made: EntryEvent = { type: 'OfferMade', data: { ...ref, ...offer } };
      if (!justification) return [made];
      return [
        made,
        {
          type: 'OfferJustified',
          data: {
            entryId: ref.entryId,
            offerId: offer.offerId,
            justification: justification.text,
            supervisor: justification.supervisor,
          },
        },
      ];
    }
    case 'Accept': {
      const ref = refOf(e);
      const o = theOffer(e, command.offerId);
      if (o.status === 'accepted') return [];
      if (command.on > o.expiresAfter)
        throw conflictWith('OFFER_EXPIRED', `the offer ran out on ${o.expiresAfter}`);
      return [
        {
          type: 'OfferAccepted',
          data: { ...ref, offerId: o.offerId, siteId: o.siteId, on: command.on, admitBy: command.admitBy },
        },
      ];
    }
    case 'Decline': {
      const ref = refOf(e);
      const o = theOffer(e, command.offerId);
      const { declines, moved } = counted(
        e,
        ref,
        command.on,
        !command.validReason,
        command.declinesBeforeMove,
      );
      return [
        {
          type: 'OfferDeclined',
          data: {
            ...ref,
            offerId: o.offerId,
            siteId: o.siteId,
            on: command.on,
            reason: command.reason,
            validReason: command.validReason,
            declinesWithoutValidReason: declines,
          },
        },
        ...moved,
      ];
    }
    case 'Expire': {
      const o = e.offer;
      if (o?.status !== 'open' || command.on <= o.expiresAfter) return [];
      const ref = refOf(e);
      const { declines, moved } = counted(e, ref, command.on, true, command.declinesBeforeMove);
      return [
        {
          type: 'OfferExpired',
          data: {
            ...ref,
            offerId: o.offerId,
            siteId: o.siteId,
            on: command.on,
            declinesWithoutValidReason: declines,
          },
        },
        ...moved,
      ];
    }
    case 'TakeUp': {
      const ref = refOf(e);
      const o = theOffer(e, command.offerId, 'accepted');
      if (o.siteId !== command.siteId || ref.clientId !== command.clientId)
        throw breaksRule('OFFER_MISMATCH', 'the offer was for another site or person');
      if (command.on < o.from) throw breaksRule('BEFORE_OFFERED_DATE', `the place is offered from ${o.from}`);
      if (command.on > o.admitBy!)
        throw breaksRule('ADMISSION_OVERDUE', `the admission had to follow by ${o.admitBy}`, {
          admitBy: o.admitBy,
        });
      return [{ type: 'WaitingListEntryRemoved', data: { ...ref, on: command.on, reason: 'admitted' } }];
    }
    case 'Remove': {
      if (e.status !== 'waiting') return [];
      return [
        { type: 'WaitingListEntryRemoved', data: { ...refOf(e), on: command.on, reason: command.reason } },
      ];
    }
  }
}

/** The current offer ends (answered, lapsed, taken up or withdrawn) and stays in the history. */
function closeOffer(e: Entry, status: 'declined' | 'expired' | 'taken_up' | 'withdrawn'): Entry {
  const { offer, ...rest } = e;
  if (!offer) return e;
  const offers = new Map(e.offers);
  offers.set(offer.offerId, { ...offer, status });
  return { ...rest, offers };
}

function withOffer(e: Entry, offer: Offer): Entry {
  const offers = new Map(e.offers);
  offers.set(offer.offerId, offer);
  return { ...e, offer, offers };
}

export function evolve(e: Entry, event: EntryEvent): Entry {
  switch (event.type) {
    case 'WaitingListed':
      return { ...e, listed: event.data, status: 'waiting' };
    case 'PriorityClassSet': {
      const { crisis: _, ...rest } = e;
      return {
        ...rest,
        priorityClass: event.data.priorityClass,
        ...(event.data.crisis ? { crisis: event.data.crisis } : {}),
      };
    }
    case 'EntryScored':
      return { ...e, sheet: event.data.sheet };
    case 'OfferMade': {
      const { offerId, siteId, from, madeOn, expiresAfter } = event.data;
      return withOffer(e, { offerId, siteId, from, madeOn, expiresAfter, status: 'open' });
    }
    case 'OfferAccepted':
      return withOffer(e, { ...e.offer!, status: 'accepted', admitBy: event.data.admitBy });
    case 'OfferDeclined':
    case 'OfferExpired':
      return {
        ...closeOffer(e, event.type === 'OfferDeclined' ? 'declined' : 'expired'),
        declines: event.data.declinesWithoutValidReason,
      };
    case 'EntryMovedToEnd':
      return { ...e, declines: 0, movedToEndOn: event.data.on };
    case 'WaitingListEntryRemoved':
      return {
        ...closeOffer(e, event.data.reason === 'admitted' ? 'taken_up' : 'withdrawn'),
        status: 'removed',
      };
    case 'OfferJustified':
      return e;
  }
}

export const entryDecider: Decider<Entry, EntryCommand, EntryEvent> = { initialState, decide, evolve };
