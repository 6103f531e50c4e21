import type { Schema } from './openapi.js';
import type { IdKind } from './seed.js';

/** The field names that carry each kind of id. */
export const ID_FIELDS: Record<string, IdKind> = {
  clientId: 'clientId',
  duplicateId: 'clientId',
  mergedId: 'clientId',
  memberClientId: 'clientId',
  siteId: 'siteId',
  toSiteId: 'siteId',
  placementId: 'placementId',
  offerId: 'offerId',
  entryId: 'entryId',
  applicationId: 'applicationId',
  assessmentId: 'assessmentId',
  determinationId: 'determinationId',
  appealId: 'appealId',
  absenceId: 'absenceId',
  factId: 'factId',
  supersedes: 'factId',
  memberId: 'memberId',
  taskId: 'taskId',
};
export const MUNICIPALITY_FIELDS = new Set(['municipality', 'issuedBy', 'to']);
/** A municipality code, by its name and pattern (a flow's `to` is a date, a move's `to` a code). */
export const isMunicipalityField = (name: string, s: Schema) =>
  MUNICIPALITY_FIELDS.has(name) && typeof s.pattern === 'string' && s.pattern.includes('[A-Z]{3}');
export const DATE_FIELD =
  /^(on|from|to|asOf|since|by|date|activeOn)$|(On|Date|From|To|End|Due|By)$|^(validFrom|validTo|termEnd)$/;
