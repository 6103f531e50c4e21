import { addDays } from '@casework/contracts';
import { eventually } from '@casework/testkit';
import t from 'tap';
import { setUp } from './harness.js';

type Task = { kind: string; clientId: string; placementId?: string; detail: string };

t.test('placement acts on other services’ news, never silently', async (t) => {
  const h = await setUp(t);
  const housing = await h.openSite('protected_housing', 8);
  const [lapsing, moving, dying] = await h.registerMany([71, 72, 73]);
  for (const c of [lapsing, moving, dying]) await h.makeEligible(c!, 'protected_housing');
  const [pl, pm, pd] = await Promise.all(
    [lapsing, moving, dying].map(
      async (c) => (await h.admit(c!, housing, '2026-10-01')).json().placementId as string,
    ),
  );
  const waiting = await h.registerMany([74]);
  const entry = await h.makeEligible(waiting[0]!, 'protected_housing');
  const tasks = (ready: (items: Task[]) => boolean) =>
    eventually(async () => {
      const items = (await h.get('/v1/tasks?open=true')).json().items as Task[];
      return ready(items) ? items : undefined;
    });

  t.test(
    'a lapsed eligibility opens a task for the resident and takes the waiting off the list',
    async (t) => {
      // a new ТЕЛК decision below 50%: both lose their eligibility for protected housing
      for (const c of [lapsing, waiting[0]])
        await h.post(`/v1/clients/${c}/facts/disability-assessments`, {
          degreePercent: 30,
          outsideAssistanceNeeded: false,
          commission: 'TELK',
          decisionNumber: '0999/2026',
          decidedOn: '2026-11-10',
          validFrom: '2026-11-10',
          validTo: '2029-11-09',
        });
      const open = await tasks((items) => items.some((i) => i.kind === 'eligibility_lapsed'));
      t.match(
        open?.find((i) => i.kind === 'eligibility_lapsed'),
        { clientId: lapsing, placementId: pl, detail: /protected_housing is ineligible/ },
      );
      t.match(
        (await h.get(`/v1/placements/${pl}`)).json(),
        { status: 'active' },
        'the stay goes on until someone decides',
      );
      t.match(await h.entry(entry, (e) => e.status === 'removed'), { status: 'removed' });
    },
  );

  t.test('a move out of the municipality opens a task', async (t) => {
    const r = await h.post(`/v1/clients/${moving}/move`, { to: 'SOF46', movedOn: '2026-11-15' });
    t.equal(r.statusCode, 200);
    const open = await tasks((items) => items.some((i) => i.kind === 'moved_out_of_municipality'));
    t.match(
      open?.find((i) => i.kind === 'moved_out_of_municipality'),
      {
        clientId: moving,
        placementId: pm,
        detail: /moved to SOF46 on 2026-11-15/,
      },
    );
    t.match((await h.get(`/v1/placements/${pm}`, h.supervisor)).json(), { status: 'active' });
  });

  t.test('a death discharges on that date', async (t) => {
    const r = await h.post(`/v1/clients/${dying}/death`, { diedOn: '2026-11-18' });
    t.equal(r.statusCode, 200);
    const ended = await eventually(async () => {
      const p = (await h.get(`/v1/placements/${pd}`)).json();
      return p.endedOn ? p : undefined;
    });
    t.match(ended, { endedOn: '2026-11-18', endReason: 'deceased', destination: { kind: 'unknown' } });
    t.match(
      (await h.get(`/v1/sites/${housing}?asOf=2026-11-18`)).json(),
      { occupied: 2 },
      'the place is free that day',
    );
  });

  t.test('closing a task', async (t) => {
    const [task] = (await tasks((items) => items.length > 0)) as (Task & { taskId: string })[];
    const beforeClosing = new Date().toISOString();
    const closed = await h.post(`/v1/tasks/${task!.taskId}/close`, { note: 'Reassessment booked' });
    t.match(closed.json(), { closedOn: /^\d{4}-/, closingNote: 'Reassessment booked' });
    t.equal((await h.post(`/v1/tasks/${task!.taskId}/close`, { note: 'again' })).statusCode, 409);
    const openIds = async (query: string) =>
      ((await h.get(`/v1/tasks?open=true${query}`)).json().items as { taskId: string }[]).map(
        (i) => i.taskId,
      );
    await tasks((items) => !items.some((i) => (i as Task & { taskId: string }).taskId === task!.taskId));
    t.notOk((await openIds('')).includes(task!.taskId), 'closed now');
    t.ok(
      (await openIds(`&knownAt=${beforeClosing}`)).includes(task!.taskId),
      'open as we knew it before it was closed',
    );
    const closedOn = closed.json().closedOn as string;
    t.ok(
      (await openIds(`&asOf=${addDays(closedOn, -1)}`)).includes(task!.taskId),
      'open the day before it was closed',
    );
    t.notOk((await openIds(`&asOf=${closedOn}`)).includes(task!.taskId), 'closed from that day');
  });
});
