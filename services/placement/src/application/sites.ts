import type { LocalDate } from '@casework/contracts';
import { placementParameters } from '@casework/reference-data';
import { type Cause, execute, type ServiceContext } from '@casework/service-kit';
import { type Site, type SiteCommand, siteDecider } from '../domain/site.js';
import { loadSites } from './siteState.js';
import { definitions, siteStream } from './streams.js';

export const loadSite = async (ctx: ServiceContext, siteId: string) =>
  (await loadSites(ctx, ctx.store.db, [siteId]))[0]!;

/** The most places a unit of the site's service type may hold in its municipality on a date, if any. */
const maxPlaces = (site: Pick<NonNullable<Site['opened']>, 'serviceType' | 'municipality'>, on: LocalDate) =>
  placementParameters(site.municipality, on).smallUnitMaxPlaces[site.serviceType];

export function runSiteCommand(
  ctx: ServiceContext,
  siteId: string,
  command: SiteCommand,
  cause: Cause,
  expectedVersion?: number,
) {
  return execute(ctx, {
    streamId: siteStream(siteId),
    streamType: 'site',
    decider: siteDecider,
    definitions,
    // the unit-size limit is read for the date the places take effect
    command: (site: Site): SiteCommand => {
      if (command.type === 'Open') return { ...command, maxPlaces: maxPlaces(command, command.openedOn) };
      if (command.type === 'ChangeCapacity' && site.opened)
        return { ...command, maxPlaces: maxPlaces(site.opened, command.from) };
      return command;
    },
    cause,
    expectedVersion,
  });
}
