import type { MunicipalityCode, ServiceTypeCode } from '@casework/contracts';

/** A demo site: synthetic names and addresses, the service types and sizes DOMAIN §1 and §9 describe. */
export type DemoSite = { name: string; serviceType: ServiceTypeCode; places: number; address: string };

const bansko: DemoSite[] = [
  ...[1, 2, 3, 4].map((n) => ({
    name: `Защитено жилище ${n} (demo)`,
    serviceType: 'protected_housing' as const,
    places: 8,
    address: `Synthetic street ${n}, Bansko`,
  })),
  {
    name: '„Здравец" (demo)',
    serviceType: 'day_centre_children_disabilities',
    places: 20,
    address: 'Synthetic street 10, Bansko',
  },
  {
    name: 'Day centre for adults (demo)',
    serviceType: 'day_centre_adults_disabilities',
    places: 25,
    address: 'Synthetic street 11, Bansko',
  },
  {
    name: 'Rehabilitation centre (demo)',
    serviceType: 'rehabilitation_centre',
    places: 30,
    address: 'Synthetic street 12, Bansko',
  },
  {
    name: 'Family-type centre, Mesta (demo)',
    serviceType: 'family_type_centre_adults',
    places: 12,
    address: 'Synthetic street 1, Mesta',
  },
  ...[1, 2].map((n) => ({
    name: `Special-status flat ${n} (demo)`,
    serviceType: 'social_housing_special_status' as const,
    places: 2,
    address: `Synthetic block ${n}, Bansko`,
  })),
];

const montanaPlan: [ServiceTypeCode, number, number][] = [
  ['protected_housing', 5, 8],
  ['supervised_housing', 2, 6],
  ['transitional_housing', 1, 8],
  ['family_type_centre_adults', 2, 14],
  ['family_type_centre_children', 2, 12],
  ['social_housing_special_status', 2, 3],
  ['day_centre_adults_disabilities', 2, 30],
  ['day_centre_children_disabilities', 1, 20],
  ['day_centre_elderly', 1, 40],
  ['rehabilitation_centre', 2, 35],
  ['home_social_patronage', 2, 60],
];

/** Montana's 22 services (DOMAIN §1): a synthetic mix of the catalogue. */
const montana: DemoSite[] = montanaPlan.flatMap(([serviceType, count, places]) =>
  Array.from({ length: count }, (_, i) => ({
    name: `${serviceType.replaceAll('_', ' ')} ${i + 1} (demo)`,
    serviceType,
    places,
    address: `Synthetic street ${i + 1}, Montana`,
  })),
);

export const demoSites: Partial<Record<MunicipalityCode, DemoSite[]>> = { BLG01: bansko, MON29: montana };
