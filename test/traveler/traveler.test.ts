/**
 * The traveler API: a WeChat guest submits a trip (errors name every field), becomes a traveler,
 * reads proposals, and chooses one: once, under a race, with grabs stopped, planners freed and told.
 */
import { expect, it } from 'vitest';
import { hotStatusOf } from '../../src/grab/index.js';
import { signSession } from '../../src/session/session.js';
import { call, ops, phone, planner, requirementBody, until, withApp } from '../support.js';

const h = withApp();

const guest = (openid: string) => `sid=${signSession(h.app.ctx.sessionSecret, { role: 'guest', id: 0, openid })}`;
const as = (cookie: string) => ({
  post: (path: string, body: unknown) => call(h.app.url, 'POST', `/api/traveler${path}`, body, { cookie }),
  get: (path: string) => call(h.app.url, 'GET', `/api/traveler${path}`, undefined, { cookie }),
});

async function plannersFor(place: string, n: number) {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = await ops(h.app.url).post('/suppliers', { name: `旅行社-${place}-${phone()}` });
    ids.push(
      (
        await ops(h.app.url).post('/planners', {
          supplierId: s.body.id,
          name: `${place}${i}`,
          phone: phone(),
          tier: 'S',
          destinations: [place],
          maxActive: 5,
          openid: `o-tr-${phone()}`,
        })
      ).body.id,
    );
  }
  return ids;
}

it('names every bad field at once, refuses a past date and a phone another WeChat user verified', async () => {
  const me = as(guest(`o-guest-${phone()}`));
  const bad = await me.post('/requirements', {
    traveler: { name: '', phone: '123' },
    subject: 'enterprise',
    origin: '上海',
    destinations: [],
    departDate: '2030-02-30',
    returnDate: '2030-01-01',
    adults: 0,
    children: 0,
    budgetFen: 5,
    plannersWanted: 4,
  });
  expect(bad.status).toBe(400);
  expect(bad.body.error.code).toBe('VALIDATION');
  expect(Object.keys(bad.body.error.fields).sort()).toEqual(
    ['adults', 'budgetFen', 'departDate', 'destinations', 'plannersWanted', 'traveler.name', 'traveler.phone'].sort(),
  );
  // Forms show Chinese sentences naming the field; `message` stays English for machines.
  expect(bad.body.error.fields).toMatchObject({
    'traveler.phone': '请填写11位手机号。',
    destinations: '请至少填写一个目的地。',
    'traveler.name': '请填写称呼。',
    budgetFen: '预算至少1元。',
    plannersWanted: '请选择定制师人数。',
  });
  expect(bad.body.error.message).toMatch(/^traveler\.name: /);
  const long = await me.post('/requirements', requirementBody({ destinations: ['x'.repeat(51)], budgetFen: 3_000_000_000 }));
  expect(long.body.error.fields).toEqual({ 'destinations.0': '每个目的地最多50个字。', budgetFen: '预算不能超过2000万元，请确认金额。' });

  const past = await me.post('/requirements', requirementBody({ departDate: '2020-01-01', returnDate: '2020-01-05' }));
  expect(past.status).toBe(400);
  expect(past.body.error.fields).toEqual({ departDate: '出发日期不能早于今天。' });

  // A number someone proved by SMS is theirs; an unverified one is only a claim (test/security).
  const someone = requirementBody();
  const owner = `o-first-${phone()}`;
  expect((await as(guest(owner)).post('/requirements', someone)).status).toBe(201);
  await h.app.ctx.db.traveler.update({ where: { openid: owner }, data: { phoneVerifiedAt: new Date() } });
  const taken = await me.post('/requirements', requirementBody({ traveler: someone.traveler }));
  expect(taken.status).toBe(409);
  expect(taken.body.error.field).toBe('traveler.phone');
  // The matching knobs are ops' alone: a traveler's minTier or block list is ignored.
  const ok = await me.post('/requirements', requirementBody({ minTier: 'S', blockedPlannerIds: [1] }));
  expect(ok.status).toBe(201);
  const view = await ops(h.app.url).get(`/requirements/${ok.body.id}`);
  expect(view.body.minTier).toBe('C');
  expect(view.body.blockedPlannerIds).toEqual([]);
});

it('turns a guest into a traveler, shows proposals, and chooses exactly one under a race', async () => {
  const place = `巴厘岛${phone().slice(-3)}`;
  const [p1, p2, p3] = await plannersFor(place, 3);
  const openid = `o-guest-${phone()}`;
  const res = await fetch(`${h.app.url}/api/traveler/requirements`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: guest(openid) },
    body: JSON.stringify(requirementBody({ destinations: [place] })),
  });
  expect(res.status).toBe(201);
  const id = ((await res.json()) as { id: number }).id;
  const sid = res.headers
    .getSetCookie()
    .find((c) => c.startsWith('sid='))!
    .split(';')[0];
  const me = as(sid);
  expect((await call(h.app.url, 'GET', '/api/session', undefined, { cookie: sid })).body.role).toBe('traveler');

  const wo: string[] = [];
  for (const p of [p1, p2, p3]) wo.push((await planner(h.app.url, h.app.ctx, p).grab(id)).body.workOrderId as string);
  await planner(h.app.url, h.app.ctx, p1).propose(wo[0], { itinerary: '第1天：乌布稻田，第2天：海神庙日落', priceFen: 1_200_000 });
  await planner(h.app.url, h.app.ctx, p2).propose(wo[1], { itinerary: '第1天：金巴兰海滩，第2天：蓝梦岛', priceFen: 1_500_000 });
  const view = await me.get(`/requirements/${id}`);
  expect(view.status).toBe(200);
  expect(view.body.workOrders.map((w: any) => [w.status, w.proposal?.priceFen ?? null])).toEqual([
    ['proposed', 1_200_000],
    ['proposed', 1_500_000],
    ['active', null],
  ]);
  expect(view.body.deposit).toBeNull();

  // Not a proposal yet; not mine.
  expect((await me.post(`/requirements/${id}/choose`, { workOrderId: wo[2] })).body.error.code).toBe('NOT_PROPOSED');
  expect((await as(guest(`o-other-${phone()}`)).post(`/requirements/${id}/choose`, { workOrderId: wo[0] })).status).toBe(404);
  expect((await me.post(`/requirements/${id}/choose`, {})).body.error.field).toBe('workOrderId');

  // Twenty taps from several tabs at once, for both proposals: one choice.
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) => me.post(`/requirements/${id}/choose`, { workOrderId: wo[i % 2] })),
  );
  const won = answers.filter((a) => a.status === 200);
  expect(won).toHaveLength(1);
  expect(answers.filter((a) => a.status === 409).every((a) => a.body.error.code === 'ALREADY_CHOSEN')).toBe(true);
  expect(won[0].body.deposit).toMatchObject({ status: 'pending', sandbox: true }); // the sandbox is WeChat Pay here

  const chosen = won[0].body.workOrderId as string;
  const rows = await h.app.ctx.db.workOrder.findMany({ where: { requirementId: id }, orderBy: { grabbedAt: 'asc' } });
  expect(rows.filter((w) => w.status === 'chosen').map((w) => w.id)).toEqual([chosen]);
  expect(rows.filter((w) => w.status === 'closed')).toHaveLength(2);
  expect((await h.app.ctx.db.requirement.findUnique({ where: { id } }))!.status).toBe('chosen');
  expect(await hotStatusOf(h.app.ctx, id)).toBe('chosen');
  // The chosen and the others hear it by template message.
  await until(async () => (await h.app.ctx.db.message.count({ where: { kind: { in: ['chosen', 'not-chosen'] } } })) >= 3);
  const kinds = await h.app.ctx.db.message.findMany({
    where: { kind: { in: ['chosen', 'not-chosen'] } },
    select: { id: true, kind: true },
  });
  expect(kinds.filter((m) => m.kind === 'chosen').map((m) => m.id)).toEqual([`chosen-${chosen}`]);
  expect(kinds.filter((m) => m.kind === 'not-chosen')).toHaveLength(2);
  // The status page now carries the payment seam.
  expect((await me.get(`/requirements/${id}`)).body.deposit.status).toBe('pending');
  const list = await me.get('/requirements');
  expect(list.body.items.find((x: any) => x.id === id).status).toBe('chosen');
  // Two proposals were written: the slot closed without one is not counted as a proposal.
  expect(list.body.items.find((x: any) => x.id === id).proposals).toBe(2);
});
