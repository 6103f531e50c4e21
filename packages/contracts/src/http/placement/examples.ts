// Examples shown in the OpenAPI document for placement's routes (synthetic values only).

export const exampleSiteId = '0190a3c2-5f1e-7b3a-9c4d-2e8f6a1b3c5d';
export const examplePlacementId = '0190a3c2-6a2b-7c4d-8e5f-1a2b3c4d5e6f';
const exampleClientId = '0190a3c1-1e2f-7a3b-8c4d-5e6f7a8b9c0d';

export const exampleOpenSite = {
  name: 'Защитено жилище „Пирин" 1',
  serviceType: 'protected_housing',
  municipality: 'BLG01',
  address: 'ул. Примерна 1, Банско',
  provider: 'Община Банско',
  funding: 'state_delegated',
  openedOn: '2026-01-05',
  places: 8,
} as const;

export const exampleSiteRecord = {
  siteId: exampleSiteId,
  ...exampleOpenSite,
  status: 'open',
  capacity: [{ from: '2026-01-05', places: 8 }],
  on: '2026-11-23',
  places: 8,
  occupied: 6,
  vacancies: 2,
  version: 7,
} as const;

export const examplePlacementRecord = {
  placementId: examplePlacementId,
  clientId: exampleClientId,
  siteId: exampleSiteId,
  serviceType: 'protected_housing',
  kind: 'residential',
  municipality: 'BLG01',
  from: '2026-03-02',
  termEnd: '2027-03-01',
  basis: 'emergency',
  status: 'active',
  version: 1,
} as const;
