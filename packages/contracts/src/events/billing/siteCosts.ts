import { z } from 'zod';
import { MunicipalityCode } from '../../codes.js';
import { defineEvent } from '../../eventCatalogue.js';
import { Money } from '../../money.js';
import { ServiceTypeCode } from '../../serviceType.js';
import { SiteId } from '../placement/sites.js';

/** A calendar month, `YYYY-MM`. */
export const Month = z
  .string()
  .regex(/^(19|20)\d{2}-(0[1-9]|1[0-2])$/, 'must be a month YYYY-MM of 1900–2099')
  .meta({ description: 'A calendar month', example: '2027-01' });
export type Month = z.infer<typeof Month>;

/** Of a mixed site's fees, the state's part in basis points (10000 = all): what of them is remitted. */
export const SiteStateShare = z
  .number()
  .int()
  .min(0)
  .max(10_000)
  .meta({
    description:
      "For a site of mixed funding: the state's part of its fees in basis points (10000 = all), remitted on " +
      "the remittance day in place of the tariff's share; a later setting that does not give it keeps it. A " +
      "state-delegated site remits the tariff's share, a municipal or programme site none.",
  });

export const SiteCostSet = defineEvent({
  service: 'billing',
  name: 'SiteCostSet',
  version: 1,
  published: true,
  description:
    "A site's actual monthly cost of a place from a month on (until a later setting): no fee is ever " +
    "more. A dwelling let by floor area carries its area, a mixed site the state's part of its fees.",
  schema: z
    .object({
      siteId: SiteId,
      municipality: MunicipalityCode,
      serviceType: ServiceTypeCode,
      from: Month,
      monthlyCost: Money,
      floorAreaSquareMetres: z
        .number()
        .multipleOf(0.01)
        .positive()
        .max(10_000)
        .optional()
        .meta({ description: 'Floor area of a dwelling, for rents by the square metre' }),
      stateShareBasisPoints: SiteStateShare.optional(),
    })
    .meta({ id: 'SiteCostSet' }),
});

export const siteCostEvents = [SiteCostSet] as const;
