/**
 * Dispatch says what it is: a requirement nobody grabbed is offered by the system （系统派单， its
 * own template message and live event, never "抢单成功"); the planner accepts (it becomes an
 * ordinary work order) or declines (the slot goes back); silence past DISPATCH_ACCEPT_WITHIN declines.
 */
import { expect, it } from 'vitest';
import { requirementKeys } from '../../src/grab/keys.js';
import { fallback } from '../../src/grab/lifecycle.js';
import { liveKeys } from '../../src/infra/keys.js';
import { measure } from '../../src/ops/grading.js';
import { call, ops, phone, plannerCookie, requirementBody, startApp, until, withApp } from '../support.js';

// No tier ever released by itself here: the fallback is called by hand.
// A minute to answer here (a slow CI must not time an offer out mid-test); the silence test uses its own 2 s.
const h = withApp({ TIER_DELAYS: 'S:3600,A:3600,B:3600,C:3600', DISPATCH_ACCEPT_WITHIN: '60' });
let n = 0;

async function market(count: number) {
  const place = `派单地${++n}-${phone().slice(-4)}`;
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const s = (await ops(h.app.url).post('/suppliers', { name: `派单社-${place}-${i}` })).body;
    ids.push(
      (
        await ops(h.app.url).post('/planners', {
          supplierId: s.id,
          name: `派${i}`,
          phone: phone(),
          tier: 'S',
          destinations: [place],
          maxActive: 5,
          openid: `o-dispatch-${phone()}`,
        })
      ).body.id,
    );
  }
  return { place, ids };
}
const as = (plannerId: number) => {
  const cookie = plannerCookie(h.app.ctx, plannerId);
  return {
    get: (path: string) => call(h.app.url, 'GET', `/api/planner${path}`, undefined, { cookie }),
    post: (path: string) => call(h.app.url, 'POST', `/api/planner${path}`, {}, { cookie }),
  };
};
const offerOf = async (requirementId: number, plannerId: number) =>
  (await h.app.ctx.db.workOrder.findFirst({ where: { requirementId, plannerId } }))!;

it('an offer, told as one; accepted it is an ordinary work order; a second answer is refused', async () => {
  const { place, ids } = await market(1);
  const r = (await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 1 }))).body;
  expect((await fallback(h.app.ctx, r.id)).dispatched).toBe(1);
  const wo = await offerOf(r.id, ids[0]);
  expect([wo.channel, wo.acceptedAt, wo.status]).toEqual(['dispatch', null, 'active']);

  // The template message and the live event say 系统派单， never a win.
  const msgs = await until(async () => {
    const m = await h.app.ctx.db.message.findMany({ where: { plannerId: ids[0] } });
    return m.some((x) => x.kind === 'dispatched') ? m : null;
  });
  expect(msgs.map((m) => m.kind)).not.toContain('won');
  expect(JSON.stringify(msgs.find((m) => m.kind === 'dispatched')!.data)).toContain('无人抢单按匹配度派给你');
  const live = await until(async () => {
    const types = (await h.app.ctx.redis.xrange(liveKeys.user(`planner:${ids[0]}`), '-', '+')).map(([, f]) => f[1]);
    return types.includes('offered') ? types : null;
  });
  expect(live).not.toContain('won');

  const me = as(ids[0]);
  const view = await me.get(`/work-orders/${wo.id}`);
  expect(view.body.offer.acceptBy).toBeTruthy();
  expect(view.body.contact).toBeNull(); // the traveler's contact comes with acceptance
  const accepted = await me.post(`/work-orders/${wo.id}/accept`);
  expect(accepted.status).toBe(200);
  expect(accepted.body.offer).toBeNull();
  expect(accepted.body.contact).toMatchObject({ name: '王小明' });
  expect((await offerOf(r.id, ids[0])).acceptedAt).toBeInstanceOf(Date);
  const again = await me.post(`/work-orders/${wo.id}/decline`);
  expect([again.status, again.body.error.code]).toEqual([409, 'NOT_AN_OFFER']);
});

it("declined, the slot goes back to the requirement; another planner cannot answer someone's offer", async () => {
  const { place, ids } = await market(2);
  const r = (await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 2 }))).body;
  expect((await fallback(h.app.ctx, r.id)).dispatched).toBe(2);
  expect(await h.app.ctx.redis.hget(requirementKeys(r.id).meta, 'status')).toBe('full');
  const [a, b] = [await offerOf(r.id, ids[0]), await offerOf(r.id, ids[1])];
  expect((await as(ids[1]).post(`/work-orders/${a.id}/decline`)).status).toBe(404);

  const declined = await as(ids[0]).post(`/work-orders/${a.id}/decline`);
  expect(declined.status).toBe(200);
  expect(declined.body.status).toBe('declined');
  expect(await h.app.ctx.redis.hmget(requirementKeys(r.id).meta, 'status', 'filled')).toEqual(['open', '1']);
  expect((await h.app.ctx.db.requirement.findUnique({ where: { id: r.id } }))!.status).toBe('open');
  expect((await offerOf(r.id, ids[1])).status).toBe('active'); // b's offer stands
  expect(b.acceptedAt).toBeNull();
});

it('silence past DISPATCH_ACCEPT_WITHIN declines: the slot goes back', async () => {
  const { place, ids } = await market(1);
  const r = (await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 1 }))).body;
  // Dispatched by a process whose DISPATCH_ACCEPT_WITHIN is 2 s (any worker runs the offer job).
  const quick = await startApp(h.env, { ROLE: 'worker', TIER_DELAYS: 'S:3600,A:3600,B:3600,C:3600', DISPATCH_ACCEPT_WITHIN: '2' });
  let wo: Awaited<ReturnType<typeof offerOf>>;
  try {
    await fallback(quick.ctx, r.id);
    wo = await offerOf(r.id, ids[0]);
    // The after-win steps run after the answer: let them schedule the offer job before this process stops.
    await until(async () => (await quick.ctx.queue.getJob(`offer-${wo!.id}`)) || (await offerOf(r.id, ids[0])).status === 'declined');
  } finally {
    await quick.stop();
  }
  await until(async () => (await offerOf(r.id, ids[0])).status === 'declined', 20_000, 200);
  // PostgreSQL decides first, then the slot goes back in Redis: the requirement re-opens a moment later.
  await until(async () => (await h.app.ctx.redis.hget(requirementKeys(r.id).meta, 'status')) === 'open');
  const late = await as(ids[0]).post(`/work-orders/${wo.id}/accept`);
  expect([late.status, late.body.error.code]).toEqual([409, 'NOT_AN_OFFER']);
});

it('declining is its own outcome: not a timeout on the record, in grading or on the page; an offer not yet accepted is no win; a dispatch by ops says so', async () => {
  const { place, ids } = await market(2);
  const r = (await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 2 }))).body;
  expect((await fallback(h.app.ctx, r.id)).dispatched).toBe(2);
  const [a, b] = [await offerOf(r.id, ids[0]), await offerOf(r.id, ids[1])];
  // Offered, not accepted: not a win on the planner's record.
  expect((await ops(h.app.url).get(`/planners/${ids[1]}`)).body.record).toMatchObject({ won: 0, declined: 0 });
  expect((await as(ids[0]).post(`/work-orders/${a.id}/decline`)).body.status).toBe('declined');
  const record = (await ops(h.app.url).get(`/planners/${ids[0]}`)).body.record;
  expect(record).toMatchObject({ won: 0, declined: 1 });
  expect((await measure(h.app.ctx, 30)).find((x) => x.id === ids[0])).toMatchObject({ won: 0, expired: 0 });
  // The planner's page: declined, never 已超时; no 工单已超时 message or live notice.
  const mine = (await as(ids[0]).get(`/work-orders/${a.id}`)).body;
  expect(mine.status).toBe('declined');
  await until(async () => (await h.app.ctx.db.workOrder.findUnique({ where: { id: b.id } }))?.status === 'active');
  const kinds = (await h.app.ctx.db.message.findMany({ where: { plannerId: ids[0] } })).map((m) => m.kind);
  expect(kinds).not.toContain('slot-expired');
  const live = await h.app.ctx.redis.xrange(liveKeys.user(`planner:${ids[0]}`), '-', '+');
  expect(JSON.stringify(live)).not.toContain('"status":"expired"');
  // Accepted, it counts.
  expect((await as(ids[1]).post(`/work-orders/${b.id}/accept`)).status).toBe(200);
  expect((await ops(h.app.url).get(`/planners/${ids[1]}`)).body.record.won).toBe(1);

  // A dispatch by ops: the message says ops chose them, not "nobody grabbed".
  const {
    place: p2,
    ids: [c],
  } = await market(1);
  const r2 = (await ops(h.app.url).post('/requirements', requirementBody({ destinations: [p2], plannersWanted: 1 }))).body;
  expect((await ops(h.app.url).post(`/requirements/${r2.id}/dispatch`, { plannerId: c })).status).toBe(201);
  const msg = await until(() => h.app.ctx.db.message.findFirst({ where: { plannerId: c, kind: 'dispatched' } }));
  expect(JSON.stringify(msg.data)).toContain('运营为你派单');
  expect(JSON.stringify(msg.data)).not.toContain('无人抢单');
});
