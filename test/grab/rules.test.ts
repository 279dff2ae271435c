/** Each of the fifteen grab rules rejects with its own code, and a winner's repeat is the same success. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedEnv, ops, phone, planner, requirementBody, startApp, type Env } from '../support.js';
import type { Running } from '../../src/boot.js';
import { grab } from '../../src/grab/grab.js';
import { dayKey, plannerKeys, requirementKeys } from '../../src/grab/keys.js';

let env: Env;
let app: Running;
let n = 0;

async function supplier(status?: 'suspended') {
  const s = (await ops(app.url).post('/suppliers', { name: `供应商-${++n}-${Date.now()}` })).body;
  if (status) await ops(app.url).patch(`/suppliers/${s.id}`, { status });
  return s.id as number;
}

async function newPlanner(over: Record<string, unknown> = {}) {
  const supplierId = (over.supplierId as number) ?? (await supplier());
  const res = await ops(app.url).post('/planners', {
    supplierId,
    name: `定制师${++n}`,
    phone: phone(),
    tier: 'S',
    destinations: ['京都', '大阪'],
    maxActive: 5,
    openid: `openid-${n}-${Date.now()}`,
    ...over,
  });
  expect(res.status).toBe(201);
  return res.body as { id: number; supplierId: number; phone: string; openid: string };
}

async function newRequirement(over: Record<string, unknown> = {}) {
  const res = await ops(app.url).post('/requirements', requirementBody(over));
  expect(res.status).toBe(201);
  return res.body as { id: number; code: string };
}

beforeAll(async () => {
  env = await isolatedEnv();
  app = await startApp(env, { GRAB_RATE_PLANNER: '5', DAILY_GRAB_QUOTA: '3', TIER_DELAYS: 'S:0,A:0,B:0,C:3600' });
});
afterAll(async () => {
  await app?.stop();
  await env?.release();
});

const grabAs = (id: number, req: number) => planner(app.url, app.ctx, id).grab(req);

describe('grab rules', () => {
  it('wins, answers the repeat the same, and returns the traveler contact', async () => {
    const p = await newPlanner();
    const r = await newRequirement({ traveler: { name: '李雷', phone: '13911112222' } });
    await new Promise((ok) => setTimeout(ok, 300)); // S:0 release job
    const first = await grabAs(p.id, r.id);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ ok: true, repeat: false, contact: { name: '李雷', phone: '13911112222' } });
    const again = await grabAs(p.id, r.id);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ ok: true, repeat: true, workOrderId: first.body.workOrderId });
    const view = await ops(app.url).get(`/requirements/${r.id}`);
    expect(view.body.workOrders).toHaveLength(1);
  });

  it('1: unknown requirement, and a closed one', async () => {
    const p = await newPlanner();
    expect((await grabAs(p.id, 999_999)).body.error.code).toBe('REQUIREMENT_NOT_FOUND');
    const r = await newRequirement();
    await app.ctx.db.requirement.update({ where: { id: r.id }, data: { status: 'cancelled' } });
    await app.ctx.redis.hset(`req:{r${r.id}}`, 'status', 'cancelled');
    const res = await grabAs(p.id, r.id);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'REQUIREMENT_CLOSED', rule: 1 });
  });

  it('2: a tier not yet released', async () => {
    const p = await newPlanner({ tier: 'C' });
    const r = await newRequirement();
    await new Promise((ok) => setTimeout(ok, 300));
    expect((await grabAs(p.id, r.id)).body.error).toMatchObject({ code: 'NOT_RELEASED', rule: 2 });
  });

  it('3: a planner the matcher did not keep, told truthfully: out of scope, or in scope but not chosen', async () => {
    const p = await newPlanner({ destinations: ['冰岛'] });
    const r = await newRequirement();
    expect((await grabAs(p.id, r.id)).body.error).toMatchObject({
      code: 'NOT_CANDIDATE',
      rule: 3,
      message: '该需求的目的地不在你的服务范围内',
    });
    // Serves 京都， but joined after the matching: it is in scope, it just was not matched to them.
    const late = await newPlanner({ destinations: ['京都'] });
    const refused = (await grabAs(late.id, r.id)).body.error;
    expect(refused).toMatchObject({ code: 'NOT_MATCHED', rule: 3 });
    expect(refused.message).toContain('匹配时没有选中你');
  });

  // A suspended planner's sessions end at once (401 over HTTP, see test/security); the engine's own
  // rule still refuses the grab on every channel, e.g. a reply through the official account.
  it('4: a suspended planner, and one not bound to WeChat', async () => {
    const r = await newRequirement();
    const s = await newPlanner();
    const unbound = await newPlanner({ openid: undefined });
    await ops(app.url).patch(`/planners/${s.id}`, { status: 'suspended', reason: '测试停用' });
    expect((await grabAs(s.id, r.id)).status).toBe(401);
    expect(await grab(app.ctx, { plannerId: s.id, requirementId: r.id, channel: 'wechat' })).toMatchObject({
      ok: false,
      code: 'PLANNER_SUSPENDED',
      rule: 4,
    });
    expect((await grabAs(unbound.id, r.id)).body.error).toMatchObject({ code: 'PLANNER_UNBOUND', rule: 4 });
  });

  it('5: a suspended supplier', async () => {
    const r = await newRequirement();
    const p = await newPlanner();
    await ops(app.url).patch(`/suppliers/${p.supplierId}`, { status: 'suspended', reason: '测试停用' });
    expect((await grabAs(p.id, r.id)).status).toBe(401);
    expect(await grab(app.ctx, { plannerId: p.id, requirementId: r.id, channel: 'wechat' })).toMatchObject({
      ok: false,
      code: 'SUPPLIER_SUSPENDED',
      rule: 5,
    });
  });

  it('6: a second planner of a supplier that already holds a slot', async () => {
    const a = await newPlanner();
    const b = await newPlanner({ supplierId: a.supplierId });
    const r = await newRequirement();
    await new Promise((ok) => setTimeout(ok, 300));
    expect((await grabAs(a.id, r.id)).status).toBe(201);
    expect((await grabAs(b.id, r.id)).body.error).toMatchObject({ code: 'SUPPLIER_HOLDS_SLOT', rule: 6 });
  });

  it('8: all wanted slots filled', async () => {
    const [a, b] = [await newPlanner(), await newPlanner()];
    const r = await newRequirement({ plannersWanted: 1 });
    await new Promise((ok) => setTimeout(ok, 300));
    expect((await grabAs(a.id, r.id)).status).toBe(201);
    expect((await grabAs(b.id, r.id)).body.error).toMatchObject({ code: 'FULL', rule: 8 });
    const view = await ops(app.url).get(`/requirements/${r.id}`);
    expect(view.body.status).toBe('full');
  });

  it('9: a planner at capacity', async () => {
    const p = await newPlanner({ maxActive: 1 });
    const [r1, r2] = [await newRequirement(), await newRequirement()];
    await new Promise((ok) => setTimeout(ok, 300));
    expect((await grabAs(p.id, r1.id)).status).toBe(201);
    expect((await grabAs(p.id, r2.id)).body.error).toMatchObject({ code: 'OVER_CAPACITY', rule: 9 });
  });

  it('10: the daily quota (3 wins here)', async () => {
    const p = await newPlanner({ maxActive: 50 });
    const reqs = [await newRequirement(), await newRequirement(), await newRequirement(), await newRequirement()];
    await new Promise((ok) => setTimeout(ok, 300));
    for (const r of reqs.slice(0, 3)) expect((await grabAs(p.id, r.id)).status).toBe(201);
    expect((await grabAs(p.id, reqs[3].id)).body.error).toMatchObject({ code: 'DAILY_QUOTA', rule: 10 });
  });

  it('11: rate limit per planner (5 per window here) answers 429', async () => {
    const p = await newPlanner({ destinations: ['冰岛'] });
    const r = await newRequirement();
    const codes = [];
    for (let i = 0; i < 7; i++) codes.push((await grabAs(p.id, r.id)).body.error.code);
    expect(codes.slice(0, 5)).toEqual(Array(5).fill('NOT_CANDIDATE'));
    expect(codes.slice(5)).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
  });

  it('hot state gone from Redis: the grab loads the planner and the requirement, wins, and counts its attempt once', async () => {
    const p = await newPlanner();
    const r = await newRequirement();
    await new Promise((ok) => setTimeout(ok, 300));
    const day = dayKey(Date.now());
    const { rate, ...plannerState } = plannerKeys(p.id, day);
    // One key at a time: on a Redis Cluster they lie in two slots.
    for (const key of [...Object.values(plannerState), ...Object.values(requirementKeys(r.id))]) await app.ctx.redis.del(key);
    const before = Number(await app.ctx.redis.get(rate));
    const won = await grabAs(p.id, r.id);
    expect(won.status).toBe(201);
    expect(Number(await app.ctx.redis.get(rate))).toBe(before + 1); // not again for each load
    expect(await app.ctx.redis.hget(plannerKeys(p.id, day).active, String(r.id))).toBe(won.body.workOrderId);
    expect((await grabAs(p.id, r.id)).body).toMatchObject({ repeat: true, workOrderId: won.body.workOrderId });
  });

  it('12: no re-grab of a slot the planner let expire', async () => {
    const p = await newPlanner();
    const r = await newRequirement();
    await new Promise((ok) => setTimeout(ok, 300));
    const won = await grabAs(p.id, r.id);
    await app.ctx.db.workOrder.update({ where: { id: won.body.workOrderId }, data: { deadlineAt: new Date(Date.now() - 1) } });
    const { expireIfNoProposal } = await import('../../src/grab/lifecycle.js');
    expect(await expireIfNoProposal(app.ctx, won.body.workOrderId)).toBe(true);
    expect((await grabAs(p.id, r.id)).body.error).toMatchObject({ code: 'SLOT_EXPIRED_BEFORE', rule: 12 });
  });

  it('13: the traveler blocked the planner, or the supplier', async () => {
    const a = await newPlanner();
    const b = await newPlanner();
    const r = await newRequirement({ blockedPlannerIds: [a.id], blockedSupplierIds: [b.supplierId] });
    // Blocked planners are not even matched; put them back as candidates to prove the grab rule itself.
    await app.ctx.redis.hset(`req:{r${r.id}}:cand`, a.id, 'S', b.id, 'S');
    expect((await grabAs(a.id, r.id)).body.error).toMatchObject({ code: 'BLOCKED', rule: 13 });
    expect((await grabAs(b.id, r.id)).body.error).toMatchObject({ code: 'BLOCKED', rule: 13 });
  });

  it("14: a planner's own requirement", async () => {
    const p = await newPlanner();
    const r = await newRequirement({ traveler: { name: '自己', phone: p.phone } });
    await new Promise((ok) => setTimeout(ok, 300));
    expect((await grabAs(p.id, r.id)).body.error).toMatchObject({ code: 'OWN_REQUIREMENT', rule: 14 });
  });

  it('15: an enterprise trip below the minimum tier', async () => {
    const p = await newPlanner({ tier: 'B' });
    const r = await newRequirement({ subject: 'enterprise', company: '某某科技' });
    await app.ctx.redis.hset(`req:{r${r.id}}:cand`, p.id, 'B'); // the matcher would not keep them
    expect((await grabAs(p.id, r.id)).body.error).toMatchObject({ code: 'TIER_TOO_LOW', rule: 15 });
  });

  it('rejections land in the audit trail with their codes, at the time they were made', async () => {
    const p = await newPlanner();
    const r = await newRequirement();
    const before = Date.now();
    await grabAs(p.id, r.id);
    const after = Date.now();
    await app.ctx.audit.flush();
    const codes = await app.ctx.db.grabEvent.groupBy({ by: ['code'], _count: true });
    const seen = new Set(codes.map((c) => c.code));
    for (const c of ['OK', 'OK_REPEAT', 'FULL', 'NOT_CANDIDATE', 'SUPPLIER_HOLDS_SLOT', 'RATE_LIMITED', 'TIER_TOO_LOW'])
      expect(seen).toContain(c);
    // Stored as UTC, to the millisecond (read back by Prisma as the same instant).
    const [e] = await app.ctx.db.grabEvent.findMany({ where: { plannerId: p.id, requirementId: r.id } });
    expect(e.at.getTime()).toBeGreaterThanOrEqual(before);
    expect(e.at.getTime()).toBeLessThanOrEqual(after);
  });

  it('an unsigned or forged session is refused', async () => {
    const res = await fetch(`${app.url}/api/planner/grabs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: 'sid=eyJyb2xlIjoicGxhbm5lciIsImlkIjoxLCJleHAiOjk5OTk5OTk5OTl9.forged' },
      body: '{"requirementId":1}',
    });
    expect(res.status).toBe(401);
  });
});
