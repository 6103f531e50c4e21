import { readFileSync } from 'node:fs';
import { ServiceType, type ServiceTypeCode } from '@casework/contracts';
import { z } from 'zod';

const Catalogue = z.object({ version: z.string(), serviceTypes: z.array(ServiceType) });

const catalogue = Catalogue.parse(
  JSON.parse(readFileSync(new URL('../data/service-catalogue.json', import.meta.url), 'utf8')),
);

export const serviceCatalogueVersion = catalogue.version;
export const serviceTypes: readonly ServiceType[] = catalogue.serviceTypes;
const byCode = new Map(serviceTypes.map((s) => [s.code, s]));
export const serviceType = (code: ServiceTypeCode): ServiceType => byCode.get(code)!;
export const isResidential = (code: ServiceTypeCode) => serviceType(code).kind.startsWith('residential');
