import {
  breaksRule,
  type CapacityChanged,
  conflictWith,
  type Decider,
  type EventOf,
  type LocalDate,
  type PlaceReleased,
  type PlaceReserved,
  type PlaceTaken,
  type ReservationReleased,
  type SiteClosed,
  type SiteOpened,
  type SiteResumed,
  type SiteSuspended,
} from '@casework/contracts';
import { Map as PersistentMap } from 'immutable';

export type SiteEvent =
  | EventOf<typeof SiteOpened>
  | EventOf<typeof CapacityChanged>
  | EventOf<typeof SiteSuspended>
  | EventOf<typeof SiteResumed>
  | EventOf<typeof SiteClosed>
  | EventOf<typeof PlaceTaken>
  | EventOf<typeof PlaceReleased>
  | EventOf<typeof PlaceReserved>
  | EventOf<typeof ReservationReleased>;

type Opened = EventOf<typeof SiteOpened>['data'];

/** A place held from `from` until `to` (the day it is free again; null while held). */
export type Hold = { clientId: string; from: LocalDate; to: LocalDate | null };

export type Site = {
  opened?: Opened;
  closedOn?: LocalDate;
  /** Suspensions in order; `to` is the day admissions resume. */
  suspensions: { from: LocalDate; to: LocalDate | null }[];
  /** Capacity changes in date order; each holds until the next. */
  capacity: { from: LocalDate; places: number }[];
  /**
   * Places held, by placement id. Persistent maps: a busy site's run into thousands over the years, and
   * each admission's new state shares them but for its own place instead of copying them all.
   */
  holds: PersistentMap<string, Hold>;
  /** Places held for open offers, by offer id: counted as taken from their date until answered. */
  reservations: PersistentMap<string, Hold>;
};

export type SiteCommand =
  | ({ type: 'Open'; maxPlaces?: number | undefined } & Opened)
  | { type: 'ChangeCapacity'; from: LocalDate; places: number; maxPlaces?: number | undefined }
  | { type: 'Suspend'; from: LocalDate; reason: string }
  | { type: 'Resume'; from: LocalDate }
  | { type: 'Close'; on: LocalDate }
  | {
      type: 'TakePlace';
      placementId: string;
      clientId: string;
      from: LocalDate;
      offerId?: string | undefined;
    }
  | { type: 'ReservePlace'; offerId: string; clientId: string; from: LocalDate }
  | { type: 'ReleaseReservation'; offerId: string }
  | { type: 'ReleasePlace'; placementId: string; on: LocalDate };

export const initialState: Site = {
  suspensions: [],
  capacity: [],
  holds: PersistentMap(),
  reservations: PersistentMap(),
};

/** Places on a date: the latest change on or before it (0 before the site opened). */
export function capacityOn(site: Site, date: LocalDate): number {
  let places = 0;
  for (const c of site.capacity) if (c.from <= date) places = c.places;
  return places;
}

export const holdsOn = (h: Hold, date: LocalDate) => h.from <= date && (h.to === null || date < h.to);

// a persistent map's own `count` and `forEach` walk it several times faster than its iterators
export const occupancyOn = (site: Site, date: LocalDate): number => site.holds.count((h) => holdsOn(h, date));

/** Places held for open offers on a date. */
export const reservedOn = (site: Site, date: LocalDate): number =>
  site.reservations.count((h) => holdsOn(h, date));

/**
 * The first date in [from, until) on which the places held, plus `extra`, exceed the capacity (or
 * `places` where given). One pass over the holds and offers (a busy site's run into thousands over the
 * years, most of them long over): the places taken on `from`, and by how many that changes on each later
 * date; then a walk through those dates and the capacity's. Taken places only rise where a hold begins,
 * and capacity only changes where a change takes effect: the first date short is always one of them.
 */
export function firstShortfall(
  site: Site,
  from: LocalDate,
  extra: number,
  override?: { places: number; until: LocalDate | null },
): { date: LocalDate; places: number; occupied: number; reserved: number } | undefined {
  const until = override?.until ?? null;
  if (until !== null && until <= from) return undefined; // no date to look at
  const inRange = (d: LocalDate) => d >= from && (until === null || d < until);
  let taken = 0;
  const changes = new Map<LocalDate, number>();
  const change = (date: LocalDate, by: number) => changes.set(date, (changes.get(date) ?? 0) + by);
  // returns nothing: a persistent map's forEach stops at the first `false` a callback returns
  const count = (h: Hold): void => {
    if (h.to !== null && h.to <= from) return; // over before the range
    if (h.from <= from) taken++;
    else if (inRange(h.from)) change(h.from, 1);
    else return; // begins after the range
    if (h.to !== null && inRange(h.to)) change(h.to, -1);
  };
  site.holds.forEach(count);
  site.reservations.forEach(count);
  if (!override)
    for (const c of site.capacity) if (inRange(c.from) && !changes.has(c.from)) change(c.from, 0);
  const placesOn = (date: LocalDate) => (override ? override.places : capacityOn(site, date));
  const short = (date: LocalDate) => {
    const occupied = occupancyOn(site, date);
    const reserved = reservedOn(site, date);
    return { date, places: placesOn(date), occupied, reserved };
  };
  if (taken + extra > placesOn(from)) return short(from);
  for (const date of [...changes.keys()].sort()) {
    taken += changes.get(date)!;
    if (taken + extra > placesOn(date)) return short(date);
  }
  return undefined;
}

const suspendedOn = (site: Site, date: LocalDate) =>
  site.suspensions.some((s) => s.from <= date && (s.to === null || date < s.to));

function opened(site: Site): Opened {
  if (!site.opened) throw conflictWith('SITE_NOT_FOUND', 'no such site');
  return site.opened;
}

function assertWithinLimit(places: number, maxPlaces: number | undefined) {
  if (maxPlaces !== undefined && places > maxPlaces)
    throw breaksRule('UNIT_TOO_LARGE', `a unit of this service type holds at most ${maxPlaces} places`, {
      places,
      maxPlaces,
    });
}

function assertAdmitting(site: Site, o: Opened, from: LocalDate) {
  if (from < o.openedOn)
    throw breaksRule('BEFORE_OPENING', `the site opened on ${o.openedOn}`, { openedOn: o.openedOn });
  if (site.closedOn !== undefined && site.closedOn <= from)
    throw breaksRule('SITE_CLOSED', `the site closed on ${site.closedOn}`);
  if (suspendedOn(site, from)) throw breaksRule('SITE_SUSPENDED', `the site admits no one on ${from}`);
}

const noVacancy = (short: { date: LocalDate; places: number; occupied: number; reserved: number }) =>
  conflictWith(
    'NO_VACANCY',
    `no vacancy on ${short.date}: ${short.occupied} of ${short.places} places are taken` +
      (short.reserved ? ` and ${short.reserved} held for offers` : ''),
    short,
  );

function withoutReservation(site: Site, offerId: string | undefined): Site {
  if (!offerId) return site;
  return { ...site, reservations: site.reservations.delete(offerId) };
}

export function decide(command: SiteCommand, site: Site): SiteEvent[] {
  if (command.type === 'Open') {
    if (site.opened) throw conflictWith('SITE_EXISTS', 'the site is already open');
    const { type: _, maxPlaces, ...data } = command;
    assertWithinLimit(data.places, maxPlaces);
    return [{ type: 'SiteOpened', data }];
  }
  const o = opened(site);
  const ref = { siteId: o.siteId, serviceType: o.serviceType, municipality: o.municipality };
  const closed = (on: LocalDate) => site.closedOn !== undefined && site.closedOn <= on;
  switch (command.type) {
    case 'ChangeCapacity': {
      assertWithinLimit(command.places, command.maxPlaces);
      if (command.from < o.openedOn)
        throw breaksRule('BEFORE_OPENING', `the site opened on ${o.openedOn}`, { openedOn: o.openedOn });
      if (closed(command.from)) throw breaksRule('SITE_CLOSED', `the site closed on ${site.closedOn}`);
      const previous = capacityOn(site, command.from);
      const current = site.capacity.find((c) => c.from === command.from);
      if (current?.places === command.places) return [];
      // the change holds until the next one already planned
      const next = site.capacity.find((c) => c.from > command.from)?.from ?? null;
      const short = firstShortfall(site, command.from, 0, { places: command.places, until: next });
      if (short)
        throw conflictWith(
          'CAPACITY_BELOW_OCCUPANCY',
          `${short.occupied + short.reserved} places are taken or offered on ${short.date}: capacity cannot go down to ${command.places}`,
          { date: short.date, occupied: short.occupied, reserved: short.reserved, places: command.places },
        );
      return [
        { type: 'CapacityChanged', data: { ...ref, from: command.from, places: command.places, previous } },
      ];
    }
    case 'Suspend': {
      if (closed(command.from)) throw breaksRule('SITE_CLOSED', `the site closed on ${site.closedOn}`);
      const last = site.suspensions.at(-1);
      if (last && last.to === null) throw conflictWith('ALREADY_SUSPENDED', `suspended since ${last.from}`);
      if (last && command.from < last.to!)
        throw breaksRule('OVERLAPS_SUSPENSION', `the last suspension ran until ${last.to}`);
      return [{ type: 'SiteSuspended', data: { ...ref, from: command.from, reason: command.reason } }];
    }
    case 'Resume': {
      const last = site.suspensions.at(-1);
      if (!last || last.to !== null) throw conflictWith('NOT_SUSPENDED', 'the site is not suspended');
      if (command.from <= last.from)
        throw breaksRule('RESUME_BEFORE_SUSPENSION', `the suspension began on ${last.from}`);
      return [{ type: 'SiteResumed', data: { ...ref, from: command.from } }];
    }
    case 'Close': {
      if (site.closedOn !== undefined) {
        if (site.closedOn === command.on) return [];
        throw conflictWith('SITE_CLOSED', `the site closed on ${site.closedOn}`);
      }
      if (command.on <= o.openedOn) throw breaksRule('BEFORE_OPENING', `the site opened on ${o.openedOn}`);
      const staying = site.holds.count((h) => h.to === null || h.to > command.on);
      if (staying > 0)
        throw conflictWith('SITE_OCCUPIED', `${staying} placements run past ${command.on}`, { staying });
      return [{ type: 'SiteClosed', data: { ...ref, on: command.on } }];
    }
    case 'TakePlace': {
      if (site.holds.has(command.placementId)) return [];
      const { type: _, offerId, ...data } = command;
      const reservation = offerId ? site.reservations.get(offerId) : undefined;
      if (offerId && (!reservation || reservation.clientId !== command.clientId))
        throw conflictWith('NO_RESERVATION', 'the offer holds no place here for this client');
      assertAdmitting(site, o, command.from);
      // the offer's own place is theirs: it is not counted against them
      const short = firstShortfall(withoutReservation(site, offerId), command.from, 1);
      if (short) throw noVacancy(short);
      return [{ type: 'PlaceTaken', data: { siteId: o.siteId, ...data, ...(offerId ? { offerId } : {}) } }];
    }
    case 'ReservePlace': {
      if (site.reservations.has(command.offerId)) return [];
      assertAdmitting(site, o, command.from);
      const short = firstShortfall(site, command.from, 1);
      if (short) throw noVacancy(short);
      const { type: _, ...data } = command;
      return [{ type: 'PlaceReserved', data: { siteId: o.siteId, ...data } }];
    }
    case 'ReleaseReservation':
      if (!site.reservations.has(command.offerId)) return [];
      return [{ type: 'ReservationReleased', data: { siteId: o.siteId, offerId: command.offerId } }];
    case 'ReleasePlace': {
      const hold = site.holds.get(command.placementId);
      if (!hold) throw conflictWith('NOT_HELD', 'the placement holds no place here');
      if (hold.to !== null) {
        if (hold.to === command.on) return [];
        throw conflictWith('ALREADY_RELEASED', `the place was released on ${hold.to}`);
      }
      if (command.on < hold.from) throw breaksRule('BEFORE_ADMISSION', `the stay began on ${hold.from}`);
      return [
        {
          type: 'PlaceReleased',
          data: { siteId: o.siteId, placementId: command.placementId, on: command.on },
        },
      ];
    }
  }
}

export function evolve(site: Site, event: SiteEvent): Site {
  switch (event.type) {
    case 'SiteOpened':
      return {
        ...site,
        opened: event.data,
        capacity: [{ from: event.data.openedOn, places: event.data.places }],
      };
    case 'CapacityChanged': {
      const { from, places } = event.data;
      const capacity = [...site.capacity.filter((c) => c.from !== from), { from, places }].sort((a, b) =>
        a.from < b.from ? -1 : 1,
      );
      return { ...site, capacity };
    }
    case 'SiteSuspended':
      return { ...site, suspensions: [...site.suspensions, { from: event.data.from, to: null }] };
    case 'SiteResumed':
      return {
        ...site,
        suspensions: site.suspensions.map((s, i, all) =>
          i === all.length - 1 ? { ...s, to: event.data.from } : s,
        ),
      };
    case 'SiteClosed':
      return { ...site, closedOn: event.data.on };
    case 'PlaceTaken': {
      const hold = { clientId: event.data.clientId, from: event.data.from, to: null };
      return {
        ...withoutReservation(site, event.data.offerId),
        holds: site.holds.set(event.data.placementId, hold),
      };
    }
    case 'PlaceReserved': {
      const hold = { clientId: event.data.clientId, from: event.data.from, to: null };
      return { ...site, reservations: site.reservations.set(event.data.offerId, hold) };
    }
    case 'ReservationReleased':
      return withoutReservation(site, event.data.offerId);
    case 'PlaceReleased': {
      const h = site.holds.get(event.data.placementId);
      if (!h) return site;
      return { ...site, holds: site.holds.set(event.data.placementId, { ...h, to: event.data.on }) };
    }
  }
}

export const siteDecider: Decider<Site, SiteCommand, SiteEvent> = { initialState, decide, evolve };

/** The site's state as JSON (for snapshots): its maps as lists of entries. Bump the codec on a change. */
export const SITE_CODEC = 1;
type SiteJson = Omit<Site, 'holds' | 'reservations'> & {
  holds: [string, Hold][];
  reservations: [string, Hold][];
};
export const siteToJson = (site: Site): SiteJson => ({
  ...site,
  holds: [...site.holds.entries()],
  reservations: [...site.reservations.entries()],
});
export const siteFromJson = (json: unknown): Site => {
  const j = json as SiteJson;
  return { ...j, holds: PersistentMap(j.holds), reservations: PersistentMap(j.reservations) };
};
