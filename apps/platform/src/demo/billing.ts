import {
  addDays,
  addMonths,
  eur,
  type LocalDate,
  type MunicipalityCode,
  type ServiceTypeCode,
} from '@casework/contracts';
import { serviceType } from '@casework/reference-data';

type Call = (method: 'GET' | 'POST' | 'PUT', url: string, body?: object) => Promise<Record<string, unknown>>;

export type BilledSite = { siteId: string; serviceType: ServiceTypeCode; openedOn: LocalDate };
export type BilledStay = { clientId: string; from: LocalDate; stateFunded: boolean };
export type BillingSummary = { statements: number; payments: number; unpaidClients: number };

/** What a place costs a month in the demo, by kind of service (synthetic figures, euro cents). */
const MONTHLY_COST = { residential: 110_000, residential_household: 30_000, day: 45_000, community: 30_000 };

/**
 * Billing for a municipality of the demo, as its billing officer would run it: each site's actual monthly
 * cost, the statements of the last four months that have ended (oldest first, each run once billing has
 * learned every stay of the month), and payments of them all but one resident's, who is left owing four
 * months of a state-funded service: in arrears once those come due, and a task in placement then.
 */
export async function seedBilling(
  officer: Call,
  until: <T>(what: string, probe: () => Promise<T | undefined>) => Promise<T>,
  o: { municipality: MunicipalityCode; today: LocalDate; sites: BilledSite[]; stays: BilledStay[] },
): Promise<BillingSummary> {
  const { municipality, today } = o;
  // billing learns of a site from placement: its cost is set once it has (404 until then)
  for (const site of o.sites) {
    const kind = serviceType(site.serviceType).kind;
    await until(`billing to know the site ${site.siteId}`, () =>
      officer('PUT', `/v1/billing/sites/${site.siteId}/costs/${site.openedOn.slice(0, 7)}`, {
        monthlyCost: eur(MONTHLY_COST[kind]),
        ...(kind === 'residential_household' ? { floorAreaSquareMetres: 48.5 } : {}),
      }),
    );
  }

  const thisMonth = `${today.slice(0, 7)}-01`;
  const months = [4, 3, 2, 1].map((n) => addMonths(thisMonth, -n).slice(0, 7));
  const summary: BillingSummary = { statements: 0, payments: 0, unpaidClients: 0 };
  for (const month of months) {
    const monthEnd = addMonths(`${month}-01`, 1);
    const expected = new Set(o.stays.filter((s) => s.from < monthEnd).map((s) => s.clientId)).size;
    // a run states the clients billing knows of; run again until it has learned of them all
    let stated = 0;
    await until(`${municipality}'s statements of ${month}`, async () => {
      const run = await officer('POST', `/v1/billing/periods/${municipality}/${month}/statements`, {});
      stated += run.statements as number;
      return stated >= expected ? true : undefined;
    });
    summary.statements += stated;
  }

  // everyone pays what they owe, in cash or by transfer, except one resident of a state-funded service
  const statements = await until(`${municipality}'s statements listed`, async () => {
    const listed = await allStatements(officer, municipality, months);
    return listed.length >= summary.statements ? listed : undefined;
  });
  // one in service all four months, so the four are owed: past three months once they come due
  const owing = o.stays.find((s) => s.stateFunded && s.from <= `${months[0]}-01`)?.clientId;
  for (const [n, s] of statements.entries()) {
    if (s.clientId === owing || s.totalDue.amountMinor === 0) continue;
    await officer('POST', `/v1/billing/statements/${s.statementId}/payments`, {
      amount: s.totalDue,
      receivedOn: addDays(today, -1),
      method: n % 3 === 0 ? 'cash' : 'bank_transfer',
    });
    summary.payments++;
  }
  summary.unpaidClients = owing ? 1 : 0;
  return summary;
}

type Statement = {
  statementId: string;
  clientId: string;
  totalDue: { amountMinor: number; currency: string };
};

async function allStatements(officer: Call, municipality: MunicipalityCode, months: string[]) {
  const out: Statement[] = [];
  for (const month of months)
    for (let cursor: string | undefined, first = true; first || cursor !== undefined; first = false) {
      const page = await officer(
        'GET',
        `/v1/billing/statements?municipality=${municipality}&month=${month}&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      );
      out.push(...(page.items as Statement[]));
      cursor = page.next as string | undefined;
    }
  return out;
}
