/**
 * The channel append_events notifies at each commit (empty payload). Channel names are cut at 63
 * characters like identifiers; two long schema names sharing a prefix would only wake each other's
 * readers for nothing.
 */
export const appendChannel = (schema: string): string => `casework_events_${schema}`.slice(0, 63);
