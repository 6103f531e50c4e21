import { billing } from '@casework/billing';
import { composeEgn } from '@casework/contracts';
import { eventually, requestsAs } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { setUp } from '../placement/harness.js';
import { listedStatement } from './waits.js';

// The law's exemptions, the full-cost rule and the group fee, from facts recorded in intake, billed over
// HTTP with real PostgreSQL and JetStream: a pupil of 19, savings of 1,200.00 лв declared in 2025, a client
// of the intellectual-disability group, a client with no income and no savings. Four clients in one
// protected housing in Bansko (national tariff version 1: 70%, 80% for the group, full cost over 500 лв of
// savings), its place costing €1,500.00 a month; December 2026 (31 days) is stated on 3 February 2027.
// Every figure is worked out by hand in the comment above its assertion; money is euro cents.
const offset = Date.parse('2027-02-03T08:00:00Z') - Date.now();
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });
const bgn = (amountMinor: number) => ({ amountMinor, currency: 'BGN' });

t.test(
  'exemptions, the full cost and the group fee, each with its reason and the fact behind it',
  async (t) => {
    const p = await setUp(t, { clock: () => new Date(Date.now() + offset), also: [billing] });
    const officer = await p.as(['billing_officer'], { municipality: 'BLG01' }, 'billing-bansko');
    const bill = requestsAs(p.app, officer);

    const siteId = await p.openSite('protected_housing', 8);
    const cost = await eventually(async () => {
      const r = await bill.put(`/v1/billing/sites/${siteId}/costs/2026-01`, { monthlyCost: eur(150_000) });
      return r.statusCode === 200 ? r : undefined;
    });
    t.equal(cost?.statusCode, 200, 'the place costs €1,500.00 a month from January 2026');

    /** A fact recorded in intake for the client; returns its fact id. */
    const fact = async (clientId: string, path: string, body: object) => {
      const r = await p.post(`/v1/clients/${clientId}/facts/${path}`, body);
      t.equal(r.statusCode, 201, `${path}: ${r.body}`);
      return r.json().factId as string;
    };
    /** The id of the event of the type billing consumed about the client, once it has. */
    const learned = async (clientId: string, type: string) => {
      const eventId = await eventually(async () => {
        const { rows } = await sql<{ event_id: string }>`SELECT event_id::text FROM billing.inputs
        WHERE client_id = ${clientId}::uuid AND type = ${type}`.execute(p.database.db);
        return rows[0]?.event_id;
      });
      t.ok(eventId, `billing learned of the ${type}`);
      return eventId!;
    };
    const admitted = async (clientId: string, on: string) => {
      await p.makeEligible(clientId, 'protected_housing');
      const r = await p.admit(clientId, siteId, on);
      t.equal(r.statusCode, 201, `admitted on ${on}: ${r.body}`);
      await learned(clientId, 'Admitted');
    };

    // the pupil: born 20 May 2007, 19 on 1 December 2026, in secondary school until 30 June 2027
    const registered = await p.post('/v1/clients', {
      identifier: { kind: 'egn', value: composeEgn('2007-05-20', 71) },
      givenName: 'Мария',
      familyName: 'Примерова',
      municipality: 'BLG01',
    });
    t.equal(registered.statusCode, 201);
    const pupil = registered.json().clientId as string;
    t.ok(
      await eventually(async () =>
        (await p.get(`/v1/placement/clients/${pupil}`)).statusCode === 200 ? true : undefined,
      ),
      'placement knows the pupil',
    );
    const [saver, grouped, penniless] = (await p.registerMany([72, 73, 74])) as [string, string, string];

    await fact(pupil, 'incomes', { validFrom: '2026-01-01', source: 'benefit', monthlyAmount: eur(20_000) });
    await fact(pupil, 'school-enrolments', { validFrom: '2026-09-15', validTo: '2027-06-30' });
    await fact(saver, 'incomes', { validFrom: '2026-01-01', source: 'pension', monthlyAmount: eur(60_000) });
    await fact(saver, 'savings', { validFrom: '2025-06-01', amount: bgn(120_000) });
    await fact(grouped, 'incomes', {
      validFrom: '2026-01-01',
      source: 'pension',
      monthlyAmount: eur(60_000),
    });
    await fact(grouped, 'client-groups', {
      validFrom: '2026-03-10',
      group: 'intellectual_or_mental_disability',
    });
    await fact(penniless, 'savings', { validFrom: '2026-01-01', amount: eur(0) });

    await admitted(pupil, '2026-12-01');
    await admitted(saver, '2026-12-10');
    await admitted(grouped, '2026-12-01');
    await admitted(penniless, '2026-12-01');
    const school = await learned(pupil, 'SchoolEnrolmentRecorded');
    const savings = await learned(saver, 'SavingsDeclared');
    const group = await learned(grouped, 'ClientGroupRecorded');
    const none = await learned(penniless, 'SavingsDeclared');

    // the pupil: exempt, 0; the saver: €1,500.00 × 22 ÷ 31 = €1,064.52; the group: €480.00; no means: 0.
    // 0 + 1,064.52 + 480.00 + 0 = €1,544.52
    const run = await bill.post('/v1/billing/periods/BLG01/2026-12/statements', {});
    t.match([run.statusCode, run.json()], [200, { statements: 4, assessed: eur(154_452) }], run.body);

    const lineOf = async (clientId: string) => {
      const listed = await listedStatement(bill, clientId, '2026-12');
      const statement = (await bill.get(`/v1/billing/statements/${listed?.statementId}`)).json();
      t.equal(statement.lines.length, 1, 'one line');
      return statement.lines[0];
    };
    const protectedHousing = { tariff: { tariffId: 'protected_housing:national', version: 1 } };

    // the pupil of 19, in service 1–31 December, 31 of 31 days: 70% of the €200.00 benefit = €140.00 for
    // the month, charged 0 — exempt as a pupil, resting on the school enrolment
    const pupilLine = await lineOf(pupil);
    t.match(pupilLine, {
      ...protectedHousing,
      billable: 31,
      fee: { kind: 'income_share', basisPoints: 7000 },
      exemption: { reason: 'pupil', eventId: school },
      fullCost: null,
      fullMonth: eur(14_000),
      amount: eur(0),
      stateShare: eur(0),
    });
    t.ok(pupilLine.events.includes(school), 'the line rests on the enrolment');

    // savings 1,200.00 лв over the tariff's 500.00 лв (both in leva, compared as they are): the place's
    // actual cost instead of 70% of €600.00. In service 10–31 December = 22 of 31 days:
    // 1,500.00 × 22 ÷ 31 = 33,000 ÷ 31 = 1,064.516… → €1,064.52 (the fee would have been
    // 420.00 × 22 ÷ 31 = 298.064… → €298.06)
    const saverLine = await lineOf(saver);
    t.match(saverLine, {
      ...protectedHousing,
      inService: 22,
      billable: 22,
      counted: [{ from: '2026-12-10', to: '2026-12-31' }],
      exemption: null,
      fullCost: { reason: 'savings', eventId: savings },
      fullMonth: eur(150_000),
      amount: eur(106_452),
      stateShare: eur(106_452),
      capped: false,
    });
    t.same(saverLine.incomeFactIds, [], 'no income used for the full cost');

    // the intellectual-disability group: the tariff's group fee, 80% of €600.00 = €480.00; 31 of 31 days
    const groupLine = await lineOf(grouped);
    t.match(groupLine, {
      ...protectedHousing,
      billable: 31,
      fee: { kind: 'income_share', basisPoints: 8000 },
      exemption: null,
      fullCost: null,
      fullMonth: eur(48_000),
      amount: eur(48_000),
    });
    t.ok(groupLine.events.includes(group), 'the line rests on the group');

    // no income and savings declared at zero: 70% of nothing = €0.00, and exempt by law, resting on the
    // declaration of no savings
    t.match(await lineOf(penniless), {
      ...protectedHousing,
      billable: 31,
      exemption: { reason: 'no_income_no_savings', eventId: none },
      fullCost: null,
      fullMonth: eur(0),
      amount: eur(0),
    });
  },
);
