import type { AssessmentLine, FeeBasis, StatementRecord } from '@casework/contracts';
import { findMunicipality, serviceType } from '@casework/reference-data';
import type { z } from 'zod';
import { formatMoney } from './formatMoney.js';
import type { StatementDocument } from './statementDocument.js';

const EXEMPTIONS: Record<NonNullable<AssessmentLine['exemption']>['reason'], string> = {
  child: 'освободен от такса: дете',
  pupil: 'освободен от такса: учащ до завършване на средното образование',
  care_leaver: 'освободен от такса: младеж до 21 г., отгледан в резидентна грижа',
  no_income_no_savings: 'освободен от такса: без доходи и спестявания',
  respite_severe_disability: 'освободен от такса: временна грижа при над 90% увреждане с чужда помощ',
};

const feeText = (fee: FeeBasis): string => {
  switch (fee.kind) {
    case 'income_share':
      return `${(fee.basisPoints / 100).toLocaleString('bg-BG')}% от месечния доход`;
    case 'fixed_monthly':
      return `месечна такса ${formatMoney(fee.amount)}`;
    case 'per_square_metre':
      return `наем ${formatMoney(fee.ratePerSquareMetre)} на м²`;
    case 'daily':
      return `${formatMoney(fee.amount)} на ден`;
  }
};

/** How a line's amount was reached, in words a person reads on the statement. */
/** Why the full cost is due instead of the fee (DOMAIN §7). */
const FULL_COST: Record<NonNullable<AssessmentLine['fullCost']>['reason'], string> = {
  savings: 'спестявания над прага',
  dwelling_disposed: 'жилище, продадено или дарено в последните години',
};

function basisOf(line: AssessmentLine): string {
  if (!line.fee) return 'няма тарифа в сила: не се дължи такса';
  const parts = line.fullCost
    ? [`пълната действителна месечна издръжка (${FULL_COST[line.fullCost.reason]})`]
    : [feeText(line.fee)];
  if (line.capped) parts.push('до действителната месечна издръжка');
  const away = line.exempted.length ? line.inService - line.billable : 0;
  if (away > 0) parts.push(`без ${away} дни отсъствие над прага на тарифата`);
  if (line.exemption) parts.push(EXEMPTIONS[line.exemption.reason]);
  return parts.join('; ');
}

/**
 * A statement as its PDF prints it. The client is named by id: billing holds no names (intake does),
 * and the statement number and payment reference tie the document to its payer.
 */
export function statementDocument(
  s: z.infer<typeof StatementRecord>,
  siteNames: ReadonlyMap<string, string>,
): StatementDocument {
  const notes = [...s.lines, ...s.adjustments].some((l) => l.convertedFromBgn)
    ? ['Суми, изчислени от лева, са превалутирани по фиксирания курс 1,95583 лв. за 1 евро.']
    : [];
  return {
    municipality: { code: s.municipality, name: findMunicipality(s.municipality)?.nameBg ?? s.municipality },
    statementNumber: s.statementNumber,
    period: s.month,
    issuedOn: s.issuedOn,
    dueOn: s.dueOn,
    paymentReference: s.paymentReference,
    client: { name: `Потребител ${s.clientId}` },
    lines: s.lines.flatMap((l) => {
      const days = [...l.counted, ...l.exempted].sort((a, b) => (a.from < b.from ? -1 : 1));
      if (days.length === 0) return [];
      const siteName = siteNames.get(l.siteId);
      return [
        {
          serviceName: serviceType(l.serviceType).nameBg,
          ...(siteName ? { siteName } : {}),
          from: days[0]!.from,
          to: days[days.length - 1]!.to,
          billableDays: l.billable,
          daysInMonth: l.daysInMonth,
          basis: basisOf(l),
          amount: l.amount,
        },
      ];
    }),
    adjustments: s.adjustments.map((a) => ({
      correctsPeriod: a.correctsMonth,
      reason: `${serviceType(a.serviceType).nameBg}: преизчислено с късно получени данни (${formatMoney(a.billed)} → ${formatMoney(a.corrected)})`,
      amount: a.amount,
    })),
    ...(s.creditApplied.amountMinor > 0 ? { creditApplied: s.creditApplied } : {}),
    totalDue: s.totalDue,
    ...(notes.length ? { notes } : {}),
  };
}
