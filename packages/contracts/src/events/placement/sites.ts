import { z } from 'zod';
import { MunicipalityCode } from '../../codes.js';
import { defineEvent } from '../../eventCatalogue.js';
import { CalendarDate } from '../../localDate.js';
import { Funding, ServiceTypeCode } from '../../serviceType.js';
import { ClientId } from '../intake/clients.js';

export const SiteId = z.uuid().meta({ description: 'A site: one unit of a service type at an address' });
export const PlacementId = z.uuid().meta({ description: 'One stay in a site, from admission to its end' });

export const Places = z.number().int().min(0).max(10_000);

/** Where a site is and who runs it: a service unit's public particulars, never a person's. */
export const SiteParticulars = z.object({
  name: z.string().trim().min(1).max(200),
  serviceType: ServiceTypeCode,
  municipality: MunicipalityCode,
  address: z.string().trim().min(1).max(300).meta({ description: "The site's street address" }),
  provider: z.string().trim().min(1).max(200).meta({ description: 'The provider running the site' }),
  funding: Funding,
});

const site = { siteId: SiteId, serviceType: ServiceTypeCode, municipality: MunicipalityCode };

export const SiteOpened = defineEvent({
  service: 'placement',
  name: 'SiteOpened',
  version: 1,
  published: true,
  forIntegrators: true,
  description: 'A site of a catalogue service type opened in a municipality with its first capacity.',
  schema: z
    .object({ siteId: SiteId, ...SiteParticulars.shape, openedOn: CalendarDate, places: Places })
    .meta({ id: 'SiteOpened' }),
});

export const CapacityChanged = defineEvent({
  service: 'placement',
  name: 'CapacityChanged',
  version: 1,
  published: true,
  forIntegrators: true,
  description:
    "A site's number of places from a date forward (until a later change). Never below the occupancy " +
    'on any day it covers.',
  schema: z
    .object({ ...site, from: CalendarDate, places: Places, previous: Places })
    .meta({ id: 'CapacityChanged' }),
});

export const SiteSuspended = defineEvent({
  service: 'placement',
  name: 'SiteSuspended',
  version: 1,
  published: true,
  forIntegrators: true,
  description: 'The site admits no one from the date on; those placed there stay.',
  schema: z
    .object({ ...site, from: CalendarDate, reason: z.string().trim().min(1).max(500) })
    .meta({ id: 'SiteSuspended' }),
});

export const SiteResumed = defineEvent({
  service: 'placement',
  name: 'SiteResumed',
  version: 1,
  published: true,
  forIntegrators: true,
  description: 'A suspended site admits again from the date on.',
  schema: z.object({ ...site, from: CalendarDate }).meta({ id: 'SiteResumed' }),
});

export const SiteClosed = defineEvent({
  service: 'placement',
  name: 'SiteClosed',
  version: 1,
  published: true,
  forIntegrators: true,
  description: 'The site closed on the date; nobody may be placed there on or after it.',
  schema: z.object({ ...site, on: CalendarDate }).meta({ id: 'SiteClosed' }),
});

export const PlaceTaken = defineEvent({
  service: 'placement',
  name: 'PlaceTaken',
  version: 1,
  published: false,
  description: "The site's ledger: a placement holds one of its places from a date until released.",
  schema: z.object({
    siteId: SiteId,
    placementId: PlacementId,
    clientId: ClientId,
    from: CalendarDate,
    offerId: z.uuid().optional().meta({ description: 'The accepted offer whose reservation it takes up' }),
  }),
});

export const PlaceReserved = defineEvent({
  service: 'placement',
  name: 'PlaceReserved',
  version: 1,
  published: false,
  description: "The site's ledger: an offer holds a place from a date while the person decides.",
  schema: z.object({ siteId: SiteId, offerId: z.uuid(), clientId: ClientId, from: CalendarDate }),
});

export const ReservationReleased = defineEvent({
  service: 'placement',
  name: 'ReservationReleased',
  version: 1,
  published: false,
  description: "The site's ledger: an offer was declined, expired or withdrawn; its place is free again.",
  schema: z.object({ siteId: SiteId, offerId: z.uuid() }),
});

export const PlaceReleased = defineEvent({
  service: 'placement',
  name: 'PlaceReleased',
  version: 1,
  published: false,
  description: "The site's ledger: the placement's place is free from the date (the day it left).",
  schema: z.object({ siteId: SiteId, placementId: PlacementId, on: CalendarDate }),
});

export const siteEvents = [
  SiteOpened,
  CapacityChanged,
  SiteSuspended,
  SiteResumed,
  SiteClosed,
  PlaceTaken,
  PlaceReleased,
  PlaceReserved,
  ReservationReleased,
] as const;
