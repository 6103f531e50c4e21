import { decidingFields, type FactRow } from '../src/domain/facts.js';

/** Fact rows as the intake consumer stores them, for unit tests: synthetic ids, one minute apart. */
export const clientId = '01a205f1-7e3c-7e0e-ac7b-3391783819e5';
export const id = (n: number) => `01a205f1-0000-7000-8000-${String(n).padStart(12, '0')}`;
export const at = (minute: number) => new Date(Date.UTC(2026, 10, 23, 8, minute)).toISOString();
export const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' as const });

let counter = 0;
export const row = (type: string, data: Record<string, unknown>, minute = counter++): FactRow => ({
  eventId: id(5000 + minute),
  clientId,
  type,
  // as the row keeps them: a field the evaluation reads but the row drops fails the tests
  data: decidingFields({ clientId, ...data }),
  recordedAt: at(minute),
});

export const born = (birthDate: string, minute?: number) => row('ClientRegistered', { birthDate }, minute);
export const disability = (
  n: number,
  degreePercent: number,
  validFrom: string,
  extra: object = {},
  minute?: number,
) =>
  row(
    'DisabilityAssessed',
    { factId: id(n), degreePercent, outsideAssistanceNeeded: false, validFrom, ...extra },
    minute,
  );
export const income = (n: number, cents: number, extra: object = {}, minute?: number) =>
  row(
    'IncomeDeclared',
    { factId: id(n), source: 'pension', monthlyAmount: eur(cents), validFrom: '2026-01-01', ...extra },
    minute,
  );
