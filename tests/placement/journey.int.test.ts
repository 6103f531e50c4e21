import { eventually } from '@casework/testkit';
import t from 'tap';
import { setUp } from './harness.js';

/**
 * One person's way: an application, a place in protected housing found through the waiting list, a day
 * centre alongside it, a holiday, and then the step out into social housing with special status.
 */
t.test(
  'from application to protected housing to social housing with special status, with a day centre alongside',
  async (t) => {
    const h = await setUp(t);
    const housing = await h.openSite('protected_housing', 8);
    const dayCentre = await h.openSite('day_centre_adults_disabilities', 20);
    const flat = await h.openSite('social_housing_special_status', 2);
    const maria = await h.register(81);

    // 1. protected housing through the waiting list
    const housingEntry = await h.makeEligible(maria, 'protected_housing');
    const offer = await h.post(`/v1/sites/${housing}/offers`, { from: '2026-11-16' });
    t.match(offer.json(), { entryId: housingEntry, clientId: maria, status: 'open' });
    t.match((await h.post(`/v1/offers/${offer.json().offerId}/accept`, {})).json(), { status: 'accepted' });
    const inHousing = await h.post('/v1/placements', {
      clientId: maria,
      siteId: housing,
      on: '2026-11-16',
      offerId: offer.json().offerId,
    });
    t.equal(inHousing.statusCode, 201);
    t.match(inHousing.json(), { serviceType: 'protected_housing', basis: 'offer', termEnd: '2027-11-16' });

    // 2. a day centre alongside, three days a week
    const dayEntry = await h.makeEligible(maria, 'day_centre_adults_disabilities');
    const dayOffer = await h.post(`/v1/sites/${dayCentre}/offers`, { from: '2026-11-17' });
    t.match(dayOffer.json(), { entryId: dayEntry }, dayOffer.body);
    await h.post(`/v1/offers/${dayOffer.json().offerId}/accept`, {});
    const inDayCentre = await h.post('/v1/placements', {
      clientId: maria,
      siteId: dayCentre,
      on: '2026-11-17',
      weekdays: [1, 3, 5],
      offerId: dayOffer.json().offerId,
    });
    t.equal(inDayCentre.statusCode, 201, 'a day service runs alongside the residential one');
    const dayPlacement = inDayCentre.json().placementId;
    const register = await h.post(`/v1/sites/${dayCentre}/attendance`, {
      date: '2026-11-30',
      records: [{ placementId: dayPlacement, attended: true }],
    });
    t.match(register.json().days, [{ placementId: dayPlacement, attended: true, expected: true }]);
    await h.post(`/v1/sites/${dayCentre}/attendance`, {
      date: '2026-12-01',
      records: [{ placementId: dayPlacement, attended: true }],
    });
    // a correction of the Monday: she was not there after all; what was recorded before stays readable
    const beforeCorrection = new Date().toISOString();
    await h.post(`/v1/sites/${dayCentre}/attendance`, {
      date: '2026-11-30',
      records: [{ placementId: dayPlacement, attended: false }],
    });
    const monday = async (knownAt?: string) =>
      (
        await h.get(
          `/v1/sites/${dayCentre}/attendance?from=2026-11-30&to=2026-11-30${knownAt ? `&knownAt=${knownAt}` : ''}`,
        )
      ).json().days[0]?.attended;
    t.equal(
      await eventually(async () => ((await monday()) === false ? false : undefined)),
      false,
      'corrected',
    );
    t.equal(await monday(beforeCorrection), true, 'as recorded before the correction');

    // 3. a holiday in protected housing keeps the place
    const away = await h.post(`/v1/placements/${inHousing.json().placementId}/absences`, {
      from: '2026-12-20',
      kind: 'holiday',
    });
    t.equal(away.statusCode, 201);
    const absenceId = away.json().absences[0].absenceId;
    const back = await h.post(`/v1/placements/${inHousing.json().placementId}/absences/${absenceId}/end`, {
      returnedOn: '2027-01-04',
    });
    t.match(back.json().absences, [{ from: '2026-12-20', returnedOn: '2027-01-04', kind: 'holiday' }]);
    t.match(
      (await h.get(`/v1/sites/${housing}?asOf=2026-12-25`)).json(),
      { occupied: 1 },
      'the place is kept',
    );

    // 4. a reassessment recommends the step out; eligibility knows she lives in protected housing
    const flatEntry = await h.makeEligible(maria, 'social_housing_special_status', {
      assessedOn: '2026-11-23',
    });
    const lapsed = await eventually(async () => {
      const items = (await h.get('/v1/tasks?open=true')).json().items as {
        kind: string;
        placementId: string;
      }[];
      return items.find((i) => i.kind === 'eligibility_lapsed');
    });
    t.match(
      lapsed,
      { placementId: inHousing.json().placementId },
      'the protected housing stay is to be reviewed',
    );
    const flatOffer = await h.post(`/v1/sites/${flat}/offers`, { from: '2027-01-15' });
    t.match(flatOffer.json(), { entryId: flatEntry });
    await h.post(`/v1/offers/${flatOffer.json().offerId}/accept`, {});
    const moved = await h.post(`/v1/placements/${inHousing.json().placementId}/transfer`, {
      toSiteId: flat,
      on: '2027-01-15',
      offerId: flatOffer.json().offerId,
    });
    t.equal(moved.statusCode, 201, moved.body);
    t.match(moved.json(), {
      serviceType: 'social_housing_special_status',
      from: '2027-01-15',
      termEnd: '2029-01-15',
      basis: 'transfer',
      transferredFrom: inHousing.json().placementId,
    });

    // where she stands now
    const stays = await eventually(async () => {
      const items = (await h.get(`/v1/placements?clientId=${maria}`)).json().items as {
        serviceType: string;
        from: string;
        endedOn?: string;
        endReason?: string;
      }[];
      return items.length === 3 && items.some((i) => i.endedOn) ? items : undefined;
    });
    t.same(
      stays?.map((s) => [s.serviceType, s.from, s.endedOn ?? null]),
      [
        ['protected_housing', '2026-11-16', '2027-01-15'],
        ['day_centre_adults_disabilities', '2026-11-17', null],
        ['social_housing_special_status', '2027-01-15', null],
      ],
    );
    const on = async (siteId: string, date: string) =>
      (await h.get(`/v1/sites/${siteId}?asOf=${date}`)).json().occupied;
    t.same(
      [await on(housing, '2027-01-14'), await on(housing, '2027-01-15'), await on(flat, '2027-01-15')],
      [1, 0, 1],
      'no gap, no overlap',
    );
    t.same(
      (await h.get(`/v1/sites/${dayCentre}/attendance?from=2026-11-30&to=2026-12-01`))
        .json()
        .days.map((d: { date: string; expected: boolean }) => [d.date, d.expected]),
      [
        ['2026-11-30', true],
        ['2026-12-01', false],
      ],
      'a Monday as planned, a Tuesday extra',
    );
    for (const entry of [housingEntry, dayEntry, flatEntry])
      t.match(
        await h.entry(entry, (e) => e.status === 'removed'),
        { status: 'removed' },
        'off the list once placed',
      );

    // the tenancy's review renews it once for 24 months; a second renewal is refused
    const flatStay = moved.json().placementId;
    const renewed = await h.post(`/v1/placements/${flatStay}/renewals`, { reviewedOn: '2028-12-10' });
    t.match(renewed.json(), { termEnd: '2031-01-15', renewals: 1 });
    const again = await h.post(`/v1/placements/${flatStay}/renewals`, { reviewedOn: '2030-12-10' });
    t.match(again.json(), { status: 422, type: /renewals-exhausted$/ }, 'special status: one renewal');

    // what other services and integrators heard, in order
    const rows = await h.database.db
      .selectFrom('placement.events' as never)
      .select(['type' as never])
      .where('stream_id' as never, '=', `placements-${maria}` as never)
      .orderBy('stream_position' as never)
      .execute();
    t.same(
      rows.map((r) => (r as { type: string }).type),
      ['Admitted', 'Admitted', 'AbsenceStarted', 'AbsenceEnded', 'Transferred', 'TermRenewed'],
    );
  },
);
