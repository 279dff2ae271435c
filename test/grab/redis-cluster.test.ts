/**
 * The engine on a Redis Cluster ("cluster" project only: test/cluster-setup.ts starts three masters).
 * Every connection is a cluster connection; the namespace's keys spread over the masters while a
 * requirement's keys, a planner's keys and each BullMQ queue's keys stay in one slot (what the Lua
 * scripts and BullMQ need); a master that restarts empty loses nothing acknowledged: what it held
 * comes back from PostgreSQL, and no slot is awarded twice.
 */
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startNode, stopNode } from '../../scripts/redis-cluster.js';
import { ops, phone, planner, requirementBody, until, withApp } from '../support.js';

const cluster = inject('redisCluster');
const h = withApp({ GRAB_RATE_PLANNER: '1000', DAILY_GRAB_QUOTA: '1000', SCHEDULE_REBUILD_EVERY: '3600' });
const masters = new Map<number, Redis>(); // port → a plain connection to that master (no prefix)

beforeAll(() => {
  for (const port of cluster.ports)
    masters.set(
      port,
      new Redis(port, '127.0.0.1').on('error', () => {}),
    ); // one goes down below
});
afterAll(() => {
  for (const m of masters.values()) m.disconnect();
});

const SUPPLIERS = 8;
const PER_SUPPLIER = 2;
const REQUIREMENTS = 24;
let place = '';
const planners: { id: number; supplierId: number }[] = [];
const reqs: { id: number; plannersWanted: number }[] = [];

/** Every grab of `who` on every requirement, all at once; the statuses seen. */
async function storm(who: typeof planners, on: typeof reqs): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  await Promise.all(
    who.flatMap((p) =>
      on.map(async (r) => {
        const res = await planner(h.app.url, h.app.ctx, p.id).grab(r.id);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }),
    ),
  );
  return statuses;
}

/** No requirement over-allocated or with two winners of one supplier, in PostgreSQL. */
async function invariants() {
  const orders = await h.app.ctx.db.workOrder.findMany({
    where: { requirementId: { in: reqs.map((r) => r.id) }, status: { not: 'expired' } },
    select: { requirementId: true, plannerId: true, planner: { select: { supplierId: true } } },
  });
  for (const r of reqs) {
    const mine = orders.filter((o) => o.requirementId === r.id);
    expect(mine.length).toBeLessThanOrEqual(r.plannersWanted);
    expect(new Set(mine.map((o) => o.planner.supplierId)).size).toBe(mine.length);
  }
  return orders;
}

/** Full key names under this app's namespace, per master. */
async function keysByMaster(pattern = '*'): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  for (const [port, m] of masters) out.set(port, await m.keys(`${h.app.ctx.ns}${pattern}`));
  return out;
}

/** Whether a master holds a key (a key of another master's slot answers MOVED: no). */
const holds = (m: Redis, key: string) => m.exists(key).then(Boolean, () => false);
const slotOf = (key: string) => masters.values().next().value!.cluster('KEYSLOT', key) as Promise<number>;

it('every connection is a cluster connection; keys spread over the masters, one slot per requirement, planner and queue', async () => {
  expect(h.app.ctx.redis).toBeInstanceOf(Cluster);
  expect(h.app.ctx.queue.opts.connection).toBeInstanceOf(Cluster);

  place = `集群地-${phone().slice(-4)}`;
  for (let s = 0; s < SUPPLIERS; s++) {
    const sup = (await ops(h.app.url).post('/suppliers', { name: `集群社-${place}-${s}` })).body;
    for (let i = 0; i < PER_SUPPLIER; i++) {
      const p = await ops(h.app.url).post('/planners', {
        supplierId: sup.id,
        name: `集群${s}-${i}`,
        phone: phone(),
        tier: 'S',
        destinations: [place],
        maxActive: 50,
        openid: `o-rc-${phone()}`,
      });
      expect(p.status).toBe(201);
      planners.push({ id: p.body.id, supplierId: sup.id });
    }
  }
  for (let i = 0; i < REQUIREMENTS; i++) {
    const r = await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 1 + (i % 3) }));
    expect(r.status).toBe(201);
    reqs.push(r.body);
  }
  await until(
    async () => (await h.app.ctx.db.release.count({ where: { requirementId: { in: reqs.map((r) => r.id) } } })) === REQUIREMENTS * 4,
    30_000,
  );

  // Both planners of two suppliers storm every requirement at once (the engine's scripts on the
  // cluster): those wanting 3 planners keep a slot open.
  const first = planners.slice(0, 2 * PER_SUPPLIER);
  const statuses = await storm(first, reqs);
  expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
  expect(statuses.get(201)).toBeGreaterThan(0);
  const orders = await invariants();
  expect(orders.length).toBe(statuses.get(201));

  // The namespace is on every master.
  const byMaster = await keysByMaster();
  for (const [port, keys] of byMaster) expect(keys.length, `keys on master ${port}`).toBeGreaterThan(0);
  const all = [...byMaster.values()].flat();

  // Each requirement's keys, each planner's keys and each queue's keys share one slot.
  const groups = new Map<string, Set<number>>();
  for (const k of all) {
    const tag = /\{[^}]+\}/.exec(k.slice(h.app.ctx.ns.length))?.[0];
    if (!tag) continue;
    const slots = groups.get(tag) ?? new Set<number>();
    slots.add(await slotOf(k));
    groups.set(tag, slots);
  }
  for (const r of reqs) expect(groups.get(`{r${r.id}}`)?.size, `requirement ${r.id}`).toBe(1);
  for (const p of first) expect(groups.get(`{p${p.id}}`)?.size, `planner ${p.id}`).toBe(1);
  for (const queue of ['lifecycle', 'notify']) {
    // lifecycle: releases, fallbacks, proposal deadlines and reminders; notify: the template messages the wins sent
    expect(all.filter((k) => k.startsWith(`${h.app.ctx.ns}bull{${queue}}:${queue}:`)).length, queue).toBeGreaterThan(0);
    expect(groups.get(`{${queue}}`)?.size, queue).toBe(1);
  }
});

it('a master restarted without its data: what it held comes back from PostgreSQL, acknowledged grabs stand, no slot awarded twice', async () => {
  const before = await invariants();
  // The master holding the most requirements that have a winner and room for more.
  const open = reqs.filter((r) => {
    const n = before.filter((o) => o.requirementId === r.id).length;
    return n > 0 && n < r.plannersWanted;
  });
  expect(open.length).toBeGreaterThan(0);
  let victim = 0;
  let most = -1;
  for (const [port, m] of masters) {
    const held = (await Promise.all(open.map((r) => holds(m, `${h.app.ctx.ns}req:{r${r.id}}`)))).filter(Boolean).length;
    if (held > most) [victim, most] = [port, held];
  }
  expect(most).toBeGreaterThan(0);
  const lostReqs = (
    await Promise.all(open.map(async (r) => ((await holds(masters.get(victim)!, `${h.app.ctx.ns}req:{r${r.id}}`)) ? r : null)))
  ).filter((r) => r !== null);

  // Down: grabs are refused cleanly (503 UNAVAILABLE, or answered by the other masters), never a 500.
  await stopNode(victim);
  let during: Awaited<ReturnType<ReturnType<typeof planner>['grab']>>[];
  try {
    during = await Promise.all(planners.slice(0, 4).map((p) => planner(h.app.url, h.app.ctx, p.id).grab(lostReqs[0].id)));
  } finally {
    await startNode(cluster.dir, victim); // whatever happened: the next files need the cluster whole
  }
  for (const res of during) {
    expect(res.status, JSON.stringify(res.body)).not.toBe(500);
    if (res.status === 503) expect(res.body.error.code).toBe('UNAVAILABLE');
  }
  expect(await masters.get(victim)!.dbsize()).toBe(0); // came back empty
  await until(async () => ((await masters.get(victim)!.cluster('INFO')) as string).includes('cluster_state:ok'), 20_000);

  // Every earlier winner's repeat is the same work order (read back from PostgreSQL).
  const winners = (await h.app.ctx.db.workOrder.findMany({ where: { requirementId: { in: lostReqs.map((r) => r.id) } } })).filter(
    (o) => o.status !== 'expired',
  );
  expect(winners.length).toBeGreaterThan(0);
  await until(
    async () => (await planner(h.app.url, h.app.ctx, winners[0].plannerId).grab(winners[0].requirementId)).status === 200,
    20_000,
    200,
  );
  for (const o of winners) {
    const again = await planner(h.app.url, h.app.ctx, o.plannerId).grab(o.requirementId);
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.workOrderId).toBe(o.id);
  }

  // Everyone storms again: the lost requirements fill up to what they want, never beyond.
  const statuses = await storm(planners, reqs);
  expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
  const after = await invariants();
  for (const r of lostReqs) expect(after.filter((o) => o.requirementId === r.id).length).toBe(r.plannersWanted);
  // Redis agrees with PostgreSQL on every requirement it lost.
  for (const r of lostReqs) {
    const filled = Number(await h.app.ctx.redis.hget(`req:{r${r.id}}`, 'filled'));
    expect(filled).toBe(after.filter((o) => o.requirementId === r.id).length);
  }
});
