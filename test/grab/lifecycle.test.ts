/** Tier-by-tier release on time, full removes pending work, deadlines expire and re-open, fallback dispatches. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../../src/boot.js';
import { type DomainEvent, type Listening, listen } from '../../src/events/index.js';
import { dayKey } from '../../src/grab/keys.js';
import { fallback } from '../../src/grab/lifecycle.js';
import { type Env, isolatedEnv, ops, phone, planner, requirementBody, startApp, until } from '../support.js';

let env: Env;
let app: Running;
let tap: Listening;
const events: (DomainEvent & { seenAt: number })[] = [];
let dest = 0;

beforeAll(async () => {
  env = await isolatedEnv();
  app = await startApp(env, { TIER_DELAYS: 'S:0,A:1,B:2,C:3', PROPOSAL_DEADLINE: '2', FALLBACK_AFTER: '1' });
  // The test is one more listener of engine events, registered as the product's own are.
  tap = listen(
    app.ctx.redis,
    [
      {
        name: 'test-tap',
        applicableEvents: ['released', 'grabbed', 'full', 'expired', 'dispatched', 'flagged'],
        handle: async (e) => void events.push({ ...e, seenAt: Date.now() }),
      },
    ],
    { log: app.ctx.log },
  );
  await tap.ready;
});
afterAll(async () => {
  await tap?.close();
  await app?.stop();
  await env?.release();
});

/** A fresh destination per test, with one planner per tier (each of its own supplier) serving it. */
async function market(perTier = 1) {
  const place = `目的地${++dest}`;
  const planners: Record<string, number[]> = { S: [], A: [], B: [], C: [] };
  for (const tier of ['S', 'A', 'B', 'C']) {
    for (let i = 0; i < perTier; i++) {
      const s = (await ops(app.url).post('/suppliers', { name: `${place}-${tier}-${i}` })).body;
      const p = (
        await ops(app.url).post('/planners', {
          supplierId: s.id,
          name: `${tier}${i}`,
          phone: phone(),
          tier,
          destinations: [place],
          maxActive: 5,
          openid: `${place}-${tier}-${i}`,
        })
      ).body;
      planners[tier].push(p.id);
    }
  }
  return { place, planners };
}

const eventsOf = (requirementId: number, type: string) => events.filter((e) => e.requirementId === requirementId && e.type === type);

describe('tiered release', () => {
  it('releases S, A, B, C on their delays, each to exactly that tier, and pools follow', async () => {
    const { place, planners } = await market();
    const created = Date.now();
    const r = (await ops(app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 3 }))).body;
    const cPool = async () =>
      (await planner(app.url, app.ctx, planners.C[0]).pool()).body.items.map((i: { requirementId: number }) => i.requirementId);
    await until(() => eventsOf(r.id, 'released').length >= 1, 5000, 10);
    expect(await cPool()).not.toContain(r.id);
    await until(() => eventsOf(r.id, 'released').length === 4, 10_000, 10);
    const rel = eventsOf(r.id, 'released') as Extract<DomainEvent, { type: 'released' }>[];
    expect(rel.map((e) => e.tier)).toEqual(['S', 'A', 'B', 'C']);
    for (const e of rel) expect(e.plannerIds).toEqual(planners[e.tier]);
    const offsets = rel.map((e) => (e.at - created) / 1000);
    [0, 1, 2, 3].forEach((want, i) => {
      expect(offsets[i]).toBeGreaterThanOrEqual(want - 0.05);
      expect(offsets[i]).toBeLessThan(want + 5); // never early; lateness on 2 shared cores is a benchmark figure, not a test
    });
    expect(await cPool()).toContain(r.id);
    const view = (await ops(app.url).get(`/requirements/${r.id}`)).body;
    expect(view.releases.map((x: { tier: string }) => x.tier)).toEqual(['S', 'A', 'B', 'C']);
  });

  it('full: leaves every pool at once, pending releases and the fallback are removed', async () => {
    const { place, planners } = await market();
    const r = (await ops(app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 1 }))).body;
    await until(() => eventsOf(r.id, 'released').length === 1, 5000, 10);
    expect(await app.ctx.queue.getJob(`release-r${r.id}-C`)).toBeTruthy();
    const won = await planner(app.url, app.ctx, planners.S[0]).grab(r.id);
    expect(won.status).toBe(201);
    expect(won.body.slotsLeft).toBe(0);
    await until(() => eventsOf(r.id, 'full').length === 1, 2000, 10); // published after the pending jobs are gone
    expect(await app.ctx.queue.getJob(`release-r${r.id}-A`)).toBeFalsy();
    expect(await app.ctx.queue.getJob(`release-r${r.id}-C`)).toBeFalsy();
    expect(await app.ctx.queue.getJob(`fallback-r${r.id}`)).toBeFalsy();
    expect((eventsOf(r.id, 'full')[0] as Extract<DomainEvent, { type: 'full' }>).plannerIds.sort()).toEqual(
      Object.values(planners).flat().sort(),
    );
    const pool = (await planner(app.url, app.ctx, planners.S[0]).pool()).body.items;
    expect(pool.map((i: { requirementId: number }) => i.requirementId)).not.toContain(r.id);
    await new Promise((ok) => setTimeout(ok, 1500));
    expect(eventsOf(r.id, 'released')).toHaveLength(1); // A's release never came
  });
});

describe('proposal deadline', () => {
  it('a proposal in time keeps the slot; a missed deadline frees it, re-opens, and bars that planner', async () => {
    const { place, planners } = await market(2);
    const r = (await ops(app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 2 }))).body;
    await until(() => eventsOf(r.id, 'released').length === 1, 5000, 10);
    const [x, y] = planners.S;
    const wx = (await planner(app.url, app.ctx, x).grab(r.id)).body;
    const wy = (await planner(app.url, app.ctx, y).grab(r.id)).body;
    expect((await app.ctx.db.requirement.findUnique({ where: { id: r.id } }))!.status).toBe('full');

    const bad = await planner(app.url, app.ctx, x).propose(wx.workOrderId, { itinerary: '短', priceFen: 10 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('itinerary');
    const notMine = await planner(app.url, app.ctx, y).propose(wx.workOrderId, {
      itinerary: '第一天 东山 第二天 岚山 第三天 奈良',
      priceFen: 2_800_000,
    });
    expect(notMine.status).toBe(403);
    const ok = await planner(app.url, app.ctx, x).propose(wx.workOrderId, {
      itinerary: '第一天 东山 第二天 岚山 第三天 奈良',
      priceFen: 2_800_000,
    });
    expect(ok.status).toBe(201);

    await until(() => eventsOf(r.id, 'expired').length === 1, 6000, 20);
    const rows = await app.ctx.db.workOrder.findMany({ where: { requirementId: r.id } });
    expect(rows.find((w) => w.id === wx.workOrderId)!.status).toBe('proposed');
    expect(rows.find((w) => w.id === wy.workOrderId)!.status).toBe('expired');
    expect((eventsOf(r.id, 'expired')[0] as Extract<DomainEvent, { type: 'expired' }>).reopened).toBe(true);
    expect((await app.ctx.db.requirement.findUnique({ where: { id: r.id } }))!.status).toBe('open');
    expect((await planner(app.url, app.ctx, y).grab(r.id)).body.error.code).toBe('SLOT_EXPIRED_BEFORE');
    const late = await planner(app.url, app.ctx, y).propose(wy.workOrderId, {
      itinerary: '第一天 东山 第二天 岚山 第三天 奈良',
      priceFen: 2_800_000,
    });
    expect(late.status).toBe(409);
    const mine = (await planner(app.url, app.ctx, y).workOrders()).body.items;
    expect(mine[0]).toMatchObject({ id: wy.workOrderId, status: 'expired', contact: null });
    // A's release was cancelled when it filled; re-opened, the tiers not yet released are rescheduled.
    await until(() => eventsOf(r.id, 'released').length === 2, 5000, 20);
    const next = await planner(app.url, app.ctx, planners.A[0]).grab(r.id);
    expect(next.status).toBe(201);
  });
});

describe('fallback', () => {
  it('tiers exhausted with slots left: dispatched to the best-scored candidates', async () => {
    const { place, planners } = await market();
    const r = (await ops(app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 2 }))).body;
    await until(() => eventsOf(r.id, 'dispatched').length === 2, 10_000, 50);
    const rows = await app.ctx.db.workOrder.findMany({ where: { requirementId: r.id } });
    expect(rows.map((w) => w.channel)).toEqual(['dispatch', 'dispatch']);
    expect(rows.map((w) => w.plannerId).sort()).toEqual([planners.S[0], planners.A[0]].sort()); // tier weighs most
    // An assignment is not a grab: the daily grab quota is untouched, capacity is not.
    const day = dayKey(Date.now());
    expect(await app.ctx.redis.get(`planner:{p${planners.S[0]}}:day:${day}`)).toBeNull();
    expect(await app.ctx.redis.hget(`planner:{p${planners.S[0]}}:active`, String(r.id))).toBe(
      rows.find((w) => w.plannerId === planners.S[0])!.id,
    );
    expect((await app.ctx.db.requirement.findUnique({ where: { id: r.id } }))!.status).toBe('full');
  });

  it('FALLBACK=flag (or nobody left to dispatch to) flags the requirement for ops', async () => {
    const { place } = await market();
    const r = (await ops(app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 1 }))).body;
    const flagCtx = { ...app.ctx, config: { ...app.ctx.config, FALLBACK: 'flag' as const } };
    expect(await fallback(flagCtx, r.id)).toEqual({ dispatched: 0, flagged: true });
    expect((await app.ctx.db.requirement.findUnique({ where: { id: r.id } }))!.flaggedAt).toBeInstanceOf(Date);
    await until(() => eventsOf(r.id, 'flagged').length >= 1, 2000, 10);
  });
});
