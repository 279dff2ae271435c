/**
 * Losing Redis's data must not lose the schedule: BullMQ's jobs live only in Redis, so after the
 * queues' data is gone every job still due is derived again from PostgreSQL — releases of tiers not
 * yet released, deadlines of active work orders, queued messages, deposit expiries — and fires.
 */
import { Queue } from 'bullmq';
import { expect, inject, it } from 'vitest';
import { rebuildSchedules } from '../../src/boot.js';
import { choose, reconcile } from '../../src/grab/index.js';
import { requirementKeys } from '../../src/grab/keys.js';
import { queuePrefix } from '../../src/infra/keys.js';
import { NOTIFY_QUEUE } from '../../src/notify/index.js';
import { ops, phone, planner, reconciled, requirementBody, until, withApp } from '../support.js';

// A releases at 3 s; the rest much later. Workers run in this process; the periodic rebuild is far off.
const h = withApp({ TIER_DELAYS: 'S:0,A:3,B:3600,C:3600', PROPOSAL_DEADLINE: '3600', SCHEDULE_REBUILD_EVERY: '3600' });

/** A bound planner of a supplier of its own, serving `place`. */
async function plannerIn(place: string, name: string, tier = 'S') {
  const s = (await ops(h.app.url).post('/suppliers', { name: `${name}社-${place}` })).body;
  return (
    await ops(h.app.url).post('/planners', {
      supplierId: s.id,
      name,
      phone: phone(),
      tier,
      destinations: [place],
      maxActive: 3,
      openid: `o-rebuild-${phone()}`,
    })
  ).body as { id: number; openid: string };
}

it('after the queues lose their data, every due job comes back from PostgreSQL and fires', async () => {
  const place = `重建地-${phone().slice(-4)}`;
  const [s, a] = [await plannerIn(place, '重建S'), await plannerIn(place, '重建A', 'A')];
  const r = (await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 2 }))).body;
  const win = await planner(h.app.url, h.app.ctx, s.id).grab(r.id);
  expect(win.status).toBe(201);
  // Nothing in flight when the data goes (a worker mid-job would only log about its vanished job).
  await until(
    async () => (await h.app.ctx.db.message.count({ where: { state: 'queued' } })) === 0 && (await h.app.ctx.queue.getActiveCount()) === 0,
  );
  // A message recorded as queued (its job about to be lost with the rest).
  await h.app.ctx.db.message.create({
    data: {
      id: `lost-${phone()}`,
      kind: 'chosen',
      openid: s.openid,
      plannerId: s.id,
      templateId: 'sandbox-chosen',
      url: 'http://x/h5/pool',
      data: { character_string1: { value: 'LOST01' }, thing2: { value: '京都' }, thing3: { value: '请与用户确认行程细节' } },
      createdAt: new Date(Date.now() - 60_000),
    },
  });

  // Redis loses the queues' data (as a restart without persistence would).
  const notify = new Queue(NOTIFY_QUEUE, {
    connection: h.app.ctx.queue.opts.connection as never,
    prefix: queuePrefix(h.app.ctx.ns, NOTIFY_QUEUE),
  });
  try {
    await h.app.ctx.queue.obliterate({ force: true });
    await notify.obliterate({ force: true });
    expect(await h.app.ctx.queue.getJob(`release-r${r.id}-A`)).toBeUndefined();
    expect(await h.app.ctx.queue.getJob(`deadline-${win.body.workOrderId}`)).toBeUndefined();

    const rebuilt = await until(() => rebuildSchedules(h.app.ctx)); // null while another process holds the lock
    expect(rebuilt).toMatchObject({ requirements: expect.any(Number), workOrders: expect.any(Number), messages: 1 });
    const release = await h.app.ctx.queue.getJob(`release-r${r.id}-A`);
    expect(release?.data).toEqual({ kind: 'release', requirementId: r.id, tier: 'A' });
    const deadline = (await h.app.ctx.queue.getJob(`deadline-${win.body.workOrderId}`))!;
    const grabbedAt = (await h.app.ctx.db.workOrder.findUniqueOrThrow({ where: { id: win.body.workOrderId } })).grabbedAt.getTime();
    const due = deadline.timestamp + (deadline.opts.delay ?? 0);
    expect(Math.abs(due - (grabbedAt + 3_600_000))).toBeLessThan(1000); // due at grab + 1 h, counted from the grab
    expect(await h.app.ctx.queue.getJob(`fallback-r${r.id}`)).toBeDefined();

    // They fire: A is released (its planner can grab), the lost message goes out.
    await until(async () => (await h.app.ctx.db.release.count({ where: { requirementId: r.id, tier: 'A' } })) === 1);
    expect((await planner(h.app.url, h.app.ctx, a.id).grab(r.id)).status).toBe(201);
    await until(
      async () =>
        (await h.app.ctx.db.message.findFirst({ where: { id: { startsWith: 'lost-' }, state: { in: ['sent', 'delivered'] } } })) !== null,
    );
    // Derived again, nothing doubles: the jobs that exist are left alone.
    const again = await until(() => rebuildSchedules(h.app.ctx));
    expect(again?.messages).toBe(0);
  } finally {
    await notify.close();
  }
});

// One Redis server emptied (on the cluster project a master restarted empty is redis-cluster.test.ts's).
it.skipIf(Boolean(inject('redisClusterNodes')))(
  'Redis losing everything is seen within seconds: the due jobs come back at once, not at the next periodic rebuild (an hour here)',
  async () => {
    const place = `失忆地-${phone().slice(-4)}`;
    await plannerIn(place, '失忆S');
    const a = await plannerIn(place, '失忆A', 'A');
    const r = (await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 2 }))).body;
    await until(async () => (await h.app.ctx.queue.getJob(`release-r${r.id}-A`)) !== undefined);
    await until(async () => (await h.app.ctx.queue.getActiveCount()) === 0);
    await h.app.ctx.redis.flushdb(); // Redis restarted empty
    // A's release (due in 3 s) is derived again and fires: its planner can grab.
    await until(async () => (await h.app.ctx.db.release.count({ where: { requirementId: r.id, tier: 'A' } })) === 1, 30_000);
    expect((await planner(h.app.url, h.app.ctx, a.id).grab(r.id)).status).toBe(201);
  },
);

it('a requirement stored `full` with slots free (a write lost in an outage) is loaded open, grabbable, and corrected', async () => {
  const place = `纠正地-${phone().slice(-4)}`;
  const p = await plannerIn(place, '纠正');
  const r = (await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 2 }))).body;
  await h.app.ctx.db.requirement.update({ where: { id: r.id }, data: { status: 'full' } }); // what a lost write left
  await h.app.ctx.redis.del(...Object.values(requirementKeys(r.id))); // and Redis lost the hot state
  expect((await planner(h.app.url, h.app.ctx, p.id).grab(r.id)).status).toBe(201); // loaded from the work orders: open
  await reconciled(h.app.ctx);
  expect((await h.app.ctx.db.requirement.findUniqueOrThrow({ where: { id: r.id } })).status).toBe('open');
});

it("a win whose own steps clear its journal mark between the reconciler's look and its replay still gets its status corrected", async () => {
  const place = `标记地-${phone().slice(-4)}`;
  const p = await plannerIn(place, '标记');
  const r = (await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 2 }))).body;
  const win = await planner(h.app.url, h.app.ctx, p.id).grab(r.id);
  expect(win.status).toBe(201);
  const k = requirementKeys(r.id);
  await until(async () => (await h.app.ctx.redis.scard(k.unsynced)) === 0); // the win's own steps are done
  await h.app.ctx.db.requirement.update({ where: { id: r.id }, data: { status: 'full' } }); // a lost write; Redis says open
  // The reconciler's look sees the win still marked; the win's steps clear the mark before its replay reads it.
  await h.app.ctx.redis.sadd(k.unsynced, win.body.workOrderId);
  const redis = h.app.ctx.redis;
  const racing = {
    ...h.app.ctx,
    redis: new Proxy(redis, {
      get(target, key) {
        if (key === 'smembers')
          return async (set: string) => {
            await target.srem(set, win.body.workOrderId); // markSynced, landing in between
            return target.smembers(set);
          };
        const v = Reflect.get(target, key);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    }),
  };
  await until(async () => ((await reconcile(racing)) === null ? null : true));
  expect((await h.app.ctx.db.requirement.findUniqueOrThrow({ where: { id: r.id } })).status).toBe('open');
});

it('the choose crash window (PostgreSQL committed, the process died before Redis said chosen): the reconciler closes it', async () => {
  const place = `选定窗-${phone().slice(-4)}`;
  const p = await plannerIn(place, '选定');
  const r = (await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 2 }))).body;
  const win = await planner(h.app.url, h.app.ctx, p.id).grab(r.id);
  await planner(h.app.url, h.app.ctx, p.id).propose(win.body.workOrderId, {
    itinerary: '三日游：第一天、第二天、第三天',
    priceFen: 300_000,
  });
  await choose(h.app.ctx, r.traveler.id, r.id, win.body.workOrderId);
  // What a crash right after the commit leaves: Redis still open, releases still pending, the event unpublished.
  const k = requirementKeys(r.id);
  await h.app.ctx.redis.hset(k.meta, 'status', 'open');
  await h.app.ctx.queue.add(
    'release',
    { kind: 'release', requirementId: r.id, tier: 'B' },
    { jobId: `release-r${r.id}-B`, delay: 3_600_000 },
  );
  await h.app.ctx.pool.query(`UPDATE outbox SET published_at = NULL, created_at = now() - interval '1 minute' WHERE id = $1`, [
    `chosen:r${r.id}`,
  ]);

  await reconciled(h.app.ctx);
  expect(await h.app.ctx.redis.hget(k.meta, 'status')).toBe('chosen');
  expect(await h.app.ctx.queue.getJob(`release-r${r.id}-B`)).toBeUndefined();
  const { rows } = await h.app.ctx.pool.query(`SELECT published_at FROM outbox WHERE id = $1`, [`chosen:r${r.id}`]);
  expect(rows[0].published_at).not.toBeNull();
  const other = await plannerIn(place, '晚到');
  expect((await planner(h.app.url, h.app.ctx, other.id).grab(r.id)).body.error.code).toBe('REQUIREMENT_CLOSED');
});
