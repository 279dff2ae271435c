/**
 * Each of the fifteen grab rules rejects with its own code, and a winner's repeat is the same
 * success: the engine itself, built with the factories on a connected context (no HTTP). What a
 * session adds over HTTP (401 for a suspended planner, a forged cookie) is test/security's.
 */
import { describe, expect, it } from 'vitest';
import { grab } from '../../src/grab/grab.js';
import { dayKey, plannerKeys, requirementKeys } from '../../src/grab/keys.js';
import { updatePlanner, updateSupplier } from '../../src/ops/index.js';
import { withEngine } from '../factories.js';

const h = withEngine({ GRAB_RATE_PLANNER: '5', DAILY_GRAB_QUOTA: '3', TIER_DELAYS: 'S:0,A:0,B:0,C:3600' });
const newPlanner = (over: Parameters<typeof h.make.planner>[0] = {}) => h.make.planner(over);
const newRequirement = (over: Record<string, unknown> = {}) => h.make.requirement(over);
const grabAs = (plannerId: number, requirementId: number) => h.make.grab(plannerId, requirementId);
/** The S:0 release job has run (the lifecycle worker). */
const released = (r: { id: number }) => h.make.released(r.id);

describe('grab rules', () => {
  it('wins, answers the repeat the same, and returns the traveler contact', async () => {
    const p = await newPlanner();
    const r = await newRequirement({ traveler: { name: '李雷', phone: '13911112222' } });
    await released(r);
    const first = await grabAs(p.id, r.id);
    expect(first).toMatchObject({ ok: true, repeat: false, contact: { name: '李雷', phone: '13911112222' } });
    const again = await grabAs(p.id, r.id);
    expect(again).toMatchObject({ ok: true, repeat: true, workOrderId: first.ok ? first.workOrderId : '' });
    expect(await h.ctx.db.workOrder.count({ where: { requirementId: r.id } })).toBe(1);
  });

  it('1: unknown requirement, and a closed one', async () => {
    const p = await newPlanner();
    expect(await grabAs(p.id, 999_999)).toMatchObject({ ok: false, code: 'REQUIREMENT_NOT_FOUND' });
    const r = await newRequirement();
    await h.ctx.db.requirement.update({ where: { id: r.id }, data: { status: 'cancelled' } });
    await h.ctx.redis.hset(requirementKeys(r.id).meta, 'status', 'cancelled');
    expect(await grabAs(p.id, r.id)).toMatchObject({ ok: false, code: 'REQUIREMENT_CLOSED', rule: 1 });
  });

  it('2: a tier not yet released', async () => {
    const p = await newPlanner({ tier: 'C' });
    const r = await newRequirement();
    await released(r);
    expect(await grabAs(p.id, r.id)).toMatchObject({ ok: false, code: 'NOT_RELEASED', rule: 2 });
  });

  it('3: a planner the matcher did not keep, told truthfully: out of scope, or in scope but not chosen', async () => {
    const p = await newPlanner({ destinations: ['冰岛'] });
    const r = await newRequirement();
    expect(await grabAs(p.id, r.id)).toMatchObject({
      ok: false,
      code: 'NOT_CANDIDATE',
      rule: 3,
      message: '该需求的目的地不在你的服务范围内',
    });
    // Serves 京都， but joined after the matching: it is in scope, it just was not matched to them.
    const late = await newPlanner({ destinations: ['京都'] });
    const refused = await grabAs(late.id, r.id);
    expect(refused).toMatchObject({ ok: false, code: 'NOT_MATCHED', rule: 3 });
    expect(refused.ok ? '' : refused.message).toContain('匹配时没有选中你');
  });

  // A suspended planner's sessions end at once (401 over HTTP, see test/security); the engine's own
  // rule still refuses the grab on every channel, e.g. a reply through the official account.
  it('4: a suspended planner, and one not bound to WeChat', async () => {
    const r = await newRequirement();
    const s = await newPlanner();
    const unbound = await newPlanner({ openid: undefined });
    await updatePlanner(h.ctx, s.id, { status: 'suspended', statusReason: '测试停用' });
    expect(await grab(h.ctx, { plannerId: s.id, requirementId: r.id, channel: 'wechat' })).toMatchObject({
      ok: false,
      code: 'PLANNER_SUSPENDED',
      rule: 4,
    });
    expect(await grabAs(unbound.id, r.id)).toMatchObject({ ok: false, code: 'PLANNER_UNBOUND', rule: 4 });
  });

  it('5: a suspended supplier', async () => {
    const r = await newRequirement();
    const p = await newPlanner();
    await updateSupplier(h.ctx, p.supplierId, { status: 'suspended', statusReason: '测试停用' });
    expect(await grab(h.ctx, { plannerId: p.id, requirementId: r.id, channel: 'wechat' })).toMatchObject({
      ok: false,
      code: 'SUPPLIER_SUSPENDED',
      rule: 5,
    });
  });

  it('6: a second planner of a supplier that already holds a slot', async () => {
    const a = await newPlanner();
    const b = await newPlanner({ supplierId: a.supplierId });
    const r = await newRequirement();
    await released(r);
    expect(await grabAs(a.id, r.id)).toMatchObject({ ok: true, repeat: false });
    expect(await grabAs(b.id, r.id)).toMatchObject({ ok: false, code: 'SUPPLIER_HOLDS_SLOT', rule: 6 });
  });

  it('8: all wanted slots filled', async () => {
    const [a, b] = [await newPlanner(), await newPlanner()];
    const r = await newRequirement({ plannersWanted: 1 });
    await released(r);
    expect(await grabAs(a.id, r.id)).toMatchObject({ ok: true, repeat: false });
    expect(await grabAs(b.id, r.id)).toMatchObject({ ok: false, code: 'FULL', rule: 8 });
    expect((await h.ctx.db.requirement.findUniqueOrThrow({ where: { id: r.id } })).status).toBe('full');
  });

  it('9: a planner at capacity', async () => {
    const p = await newPlanner({ maxActive: 1 });
    const [r1, r2] = [await newRequirement(), await newRequirement()];
    await Promise.all([released(r1), released(r2)]);
    expect(await grabAs(p.id, r1.id)).toMatchObject({ ok: true, repeat: false });
    expect(await grabAs(p.id, r2.id)).toMatchObject({ ok: false, code: 'OVER_CAPACITY', rule: 9 });
  });

  it('10: the daily quota (3 wins here)', async () => {
    const p = await newPlanner({ maxActive: 50 });
    const reqs = [await newRequirement(), await newRequirement(), await newRequirement(), await newRequirement()];
    await Promise.all(reqs.map(released));
    for (const r of reqs.slice(0, 3)) expect(await grabAs(p.id, r.id)).toMatchObject({ ok: true, repeat: false });
    expect(await grabAs(p.id, reqs[3].id)).toMatchObject({ ok: false, code: 'DAILY_QUOTA', rule: 10 });
  });

  it('11: rate limit per planner (5 per window here) answers 429', async () => {
    const p = await newPlanner({ destinations: ['冰岛'] });
    const r = await newRequirement();
    const codes = [];
    for (let i = 0; i < 7; i++) {
      const res = await grabAs(p.id, r.id);
      codes.push(res.ok ? 'OK' : res.code);
    }
    expect(codes.slice(0, 5)).toEqual(Array(5).fill('NOT_CANDIDATE'));
    expect(codes.slice(5)).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
  });

  it('hot state gone from Redis: the grab loads the planner and the requirement, wins, and counts its attempt once', async () => {
    const p = await newPlanner();
    const r = await newRequirement();
    await released(r);
    const day = dayKey(Date.now());
    const { rate, ...plannerState } = plannerKeys(p.id, day);
    // One key at a time: on a Redis Cluster they lie in two slots.
    for (const key of [...Object.values(plannerState), ...Object.values(requirementKeys(r.id))]) await h.ctx.redis.del(key);
    const before = Number(await h.ctx.redis.get(rate));
    const won = await grabAs(p.id, r.id);
    if (!won.ok) throw new Error(`not won: ${won.code}`);
    expect(won.repeat).toBe(false);
    expect(Number(await h.ctx.redis.get(rate))).toBe(before + 1); // not again for each load
    expect(await h.ctx.redis.hget(plannerKeys(p.id, day).active, String(r.id))).toBe(won.workOrderId);
    expect(await grabAs(p.id, r.id)).toMatchObject({ repeat: true, workOrderId: won.workOrderId });
  });

  it('12: no re-grab of a slot the planner let expire', async () => {
    const p = await newPlanner();
    const r = await newRequirement();
    await released(r);
    const won = await grabAs(p.id, r.id);
    if (!won.ok) throw new Error(`not won: ${won.code}`);
    await h.ctx.db.workOrder.update({ where: { id: won.workOrderId }, data: { deadlineAt: new Date(Date.now() - 1) } });
    const { expireIfNoProposal } = await import('../../src/grab/lifecycle.js');
    expect(await expireIfNoProposal(h.ctx, won.workOrderId)).toBe(true);
    expect(await grabAs(p.id, r.id)).toMatchObject({ ok: false, code: 'SLOT_EXPIRED_BEFORE', rule: 12 });
  });

  it('13: the traveler blocked the planner, or the supplier', async () => {
    const a = await newPlanner();
    const b = await newPlanner();
    const r = await newRequirement({ blockedPlannerIds: [a.id], blockedSupplierIds: [b.supplierId] });
    // Blocked planners are not even matched; put them back as candidates to prove the grab rule itself.
    await h.ctx.redis.hset(requirementKeys(r.id).candidates, a.id, 'S', b.id, 'S');
    expect(await grabAs(a.id, r.id)).toMatchObject({ ok: false, code: 'BLOCKED', rule: 13 });
    expect(await grabAs(b.id, r.id)).toMatchObject({ ok: false, code: 'BLOCKED', rule: 13 });
  });

  it("14: a planner's own requirement", async () => {
    const p = await newPlanner();
    const r = await newRequirement({ traveler: { name: '自己', phone: p.phone } });
    await released(r);
    expect(await grabAs(p.id, r.id)).toMatchObject({ ok: false, code: 'OWN_REQUIREMENT', rule: 14 });
  });

  it('15: an enterprise trip below the minimum tier', async () => {
    const p = await newPlanner({ tier: 'B' });
    const r = await newRequirement({ subject: 'enterprise', company: '某某科技' });
    await h.ctx.redis.hset(requirementKeys(r.id).candidates, p.id, 'B'); // the matcher would not keep them
    expect(await grabAs(p.id, r.id)).toMatchObject({ ok: false, code: 'TIER_TOO_LOW', rule: 15 });
  });

  it('rejections land in the audit trail with their codes, at the time they were made', async () => {
    const p = await newPlanner();
    const r = await newRequirement();
    const before = Date.now();
    await grabAs(p.id, r.id);
    const after = Date.now();
    await h.ctx.audit.flush();
    const codes = await h.ctx.db.grabEvent.groupBy({ by: ['code'], _count: true });
    const seen = new Set(codes.map((c) => c.code));
    for (const c of ['OK', 'OK_REPEAT', 'FULL', 'NOT_CANDIDATE', 'SUPPLIER_HOLDS_SLOT', 'RATE_LIMITED', 'TIER_TOO_LOW'])
      expect(seen).toContain(c);
    // Stored as UTC, to the millisecond (read back by Prisma as the same instant).
    const [e] = await h.ctx.db.grabEvent.findMany({ where: { plannerId: p.id, requirementId: r.id } });
    expect(e.at.getTime()).toBeGreaterThanOrEqual(before);
    expect(e.at.getTime()).toBeLessThanOrEqual(after);
  });
});
