import { billingEvents } from '@casework/contracts';
import { byName } from '@casework/service-kit';

/** Billing's event definitions by name, for appends. */
export const definitions = byName(billingEvents);

export const tariffStream = (tariffId: string) => `tariff-${tariffId}`;
export const siteCostStream = (siteId: string) => `site-costs-${siteId}`;
export const accountStream = (clientId: string, municipality: string) =>
  `account-${municipality}-${clientId}`;
/** A bank statement file, by its content: the same file imported twice is one stream. */
export const bankImportStream = (municipality: string, sha256: string) =>
  `bank-import-${municipality}-${sha256}`;
export const periodStream = (municipality: string, month: string) => `period-${municipality}-${month}`;
