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
  holds: Map<string, Hold>;
  /** Places held for open offers, by offer id: counted as taken from their date until answered. */
  reservations: Map<string, Hold>;
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
  holds: new Map(),
  reservations: new Map(),
};

/** Places on a date: the latest change on or before it (0 before the site opened). */
export function capacityOn(site: Site, date: LocalDate): number {
  let places = 0;
  for (const c of site.capacity) if (c.from <= date) places = c.places;
  return places;
}

export const holdsOn = (h: Hold, date: LocalDate) => h.from <= date && (h.to === null || date < h.to);

export function occupancyOn(site: Site, date: LocalDate): number {
  let n = 0;
  for (const h of site.holds.values()) if (holdsOn(h, date)) n++;
  return n;
}

/** Places held for open offers on a date. */
export function reservedOn(site: Site, date: LocalDate): number {
  let n = 0;
  for (const h of site.reservations.values()) if (holdsOn(h, date)) n++;
  return n;
}

/**
 * The first date in [from, until) on which the places held, plus `extra`, exceed the capacity (or
 * `places` where given). Occupancy only rises where a hold begins and capacity only changes where a
 * change takes effect, so those dates are the only ones to look at.
 */
export function firstShortfall(
  site: Site,
  from: LocalDate,
  extra: number,
  override?: { places: number; until: LocalDate | null },
): { date: LocalDate; places: number; occupied: number; reserved: number } | undefined {
  const until = override?.until ?? null;
  const inRange = (d: LocalDate) => d >= from && (until === null || d < until);
  const dates = [
    from,
    ...[...site.holds.values(), ...site.reservations.values()].map((h) => h.from),
    ...(override ? [] : site.capacity.map((c) => c.from)),
  ]
    .filter(inRange)
    .sort();
  for (const date of new Set(dates)) {
    const places = override ? override.places : capacityOn(site, date);
    const occupied = occupancyOn(site, date);
    const reserved = reservedOn(site, date);
    if (occupied + reserved + extra > places) return { date, places, occupied, reserved };
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
  const reservations = new Map(site.reservations);
  reservations.delete(offerId);
  return { ...site, reservations };
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
      const staying = [...site.holds.values()].filter((h) => h.to === null || h.to > command.on).length;
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
      const holds = new Map(site.holds);
      holds.set(event.data.placementId, { clientId: event.data.clientId, from: event.data.from, to: null });
      return { ...withoutReservation(site, event.data.offerId), holds };
    }
    case 'PlaceReserved': {
      const reservations = new Map(site.reservations);
      reservations.set(event.data.offerId, {
        clientId: event.data.clientId,
        from: event.data.from,
        to: null,
      });
      return { ...site, reservations };
    }
    case 'ReservationReleased':
      return withoutReservation(site, event.data.offerId);
    case 'PlaceReleased': {
      const holds = new Map(site.holds);
      const h = holds.get(event.data.placementId);
      if (h) holds.set(event.data.placementId, { ...h, to: event.data.on });
      return { ...site, holds };
    }
  }
}

/**
 * The site after several events, its maps copied once instead of once an event: a busy site's ledger
 * holds thousands of places, and a load folds up to a snapshot's worth of events. Leaves `site` as it was.
 */
export function evolveAll(site: Site, events: readonly SiteEvent[]): Site {
  if (events.length < 2) return events.reduce(evolve, site);
  const holds = new Map(site.holds);
  const reservations = new Map(site.reservations);
  let s: Site = { ...site, holds, reservations };
  for (const e of events) {
    switch (e.type) {
      case 'PlaceTaken':
        holds.set(e.data.placementId, { clientId: e.data.clientId, from: e.data.from, to: null });
        if (e.data.offerId) reservations.delete(e.data.offerId);
        break;
      case 'PlaceReserved':
        reservations.set(e.data.offerId, { clientId: e.data.clientId, from: e.data.from, to: null });
        break;
      case 'ReservationReleased':
        reservations.delete(e.data.offerId);
        break;
      case 'PlaceReleased': {
        const h = holds.get(e.data.placementId);
        if (h) holds.set(e.data.placementId, { ...h, to: e.data.on });
        break;
      }
      default:
        s = { ...evolve(s, e), holds, reservations };
    }
  }
  return s;
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
  holds: [...site.holds],
  reservations: [...site.reservations],
});
export const siteFromJson = (json: unknown): Site => {
  const j = json as SiteJson;
  return { ...j, holds: new Map(j.holds), reservations: new Map(j.reservations) };
};
