/**
 * PostgreSQL is the system of record: a grab Redis accepted survives the process dying before
 * the insert (journal replay at the next boot), and an emptied Redis is rebuilt from PostgreSQL.
 */
import { spawn } from 'node:child_process';
import { getPriority } from 'node:os';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Running } from '../../src/boot.js';
import { releaseTier } from '../../src/grab/lifecycle.js';
import { liveKeys } from '../../src/infra/keys.js';
import { checkoutId, namespaceOf } from '../../src/infra/namespace.js';
import { eventsSince } from '../../src/live/store.js';
import { child, type Env, isolatedEnv, ops, phone, planner, requirementBody, startApp, until } from '../support.js';

let env: Env;
let app: Running;

beforeAll(async () => {
  env = await isolatedEnv();
  app = await startApp(env, { ROLE: 'web' }); // no reconcile timer here: the restart must do the replay
});
afterAll(async () => {
  await app?.stop();
  await env?.release();
});

async function setup(maxActive = 3) {
  const s = (await ops(app.url).post('/suppliers', { name: `dur-${Date.now()}-${Math.random()}` })).body;
  const p = (
    await ops(app.url).post('/planners', {
      supplierId: s.id,
      name: '耐久',
      phone: phone(),
      tier: 'S',
      destinations: ['成都'],
      maxActive,
      openid: `dur-${Math.random()}`,
    })
  ).body;
  const r = (await ops(app.url).post('/requirements', requirementBody({ destinations: ['成都'], plannersWanted: 1 }))).body;
  for (const tier of ['S', 'A', 'B', 'C'] as const) await releaseTier(app.ctx, r.id, tier); // ROLE=web runs no worker
  return { plannerId: p.id as number, requirementId: r.id as number };
}

it('a grab accepted by Redis is in PostgreSQL after the process died before writing it', async () => {
  const { plannerId, requirementId } = await setup();
  const doomed = await child(env, { ROLE: 'web', FAULT_INJECT: 'crash-after-grab' });
  const res = await planner(doomed.url, app.ctx, plannerId)
    .grab(requirementId)
    .catch((e: Error) => e);
  expect(res).toBeInstanceOf(Error); // the connection died with the process
  expect(await doomed.exited).toBe(86);

  expect(await app.ctx.db.workOrder.count({ where: { requirementId } })).toBe(0);
  const pending = await app.ctx.redis.smembers(`req:{r${requirementId}}:unsynced`);
  expect(pending).toHaveLength(1);

  const restarted = await child(env, { ROLE: 'all' });
  try {
    const rows = await app.ctx.db.workOrder.findMany({ where: { requirementId } });
    expect(rows.map((w) => w.id)).toEqual(pending);
    expect(rows[0]).toMatchObject({ plannerId, status: 'active' });
    expect(await app.ctx.redis.scard(`req:{r${requirementId}}:unsynced`)).toBe(0);
    expect((await app.ctx.db.requirement.findUnique({ where: { id: requirementId } }))!.status).toBe('full');
    // The planner side was confirmed by the replay too: the winner's repeat is the same success.
    const again = await planner(restarted.url, app.ctx, plannerId).grab(requirementId);
    expect(again.body).toMatchObject({ ok: true, repeat: true, workOrderId: pending[0] });
    expect(await app.ctx.redis.hget(`planner:{p${plannerId}}:active`, String(requirementId))).toBe(pending[0]);
    // The replay republished the win's event: its listeners did their part (the live "won", the message).
    await until(async () => (await app.ctx.redis.xrange(liveKeys.user(`planner:${plannerId}`), '-', '+')).some(([, f]) => f[1] === 'won'));
    expect(await until(() => app.ctx.db.message.findUnique({ where: { id: `won-${pending[0]}` } }))).toMatchObject({ kind: 'won' });
  } finally {
    restarted.proc.kill('SIGTERM');
    expect(await restarted.exited).toBe(0);
  }
}, 120_000);

it('a win recorded in PostgreSQL whose process died before scheduling its deadline gets it after restart', async () => {
  const { plannerId, requirementId } = await setup();
  const doomed = await child(env, { ROLE: 'web', FAULT_INJECT: 'crash-after-record' });
  expect(
    await planner(doomed.url, app.ctx, plannerId)
      .grab(requirementId)
      .catch((e: Error) => e),
  ).toBeInstanceOf(Error);
  expect(await doomed.exited).toBe(86);
  const [wo] = await app.ctx.db.workOrder.findMany({ where: { requirementId } });
  expect(wo).toBeTruthy(); // recorded before the crash
  const pending = () => Promise.all([app.ctx.queue.getJob(`remind-${wo.id}`), app.ctx.queue.getJob(`deadline-${wo.id}`)]);
  expect(await pending()).toEqual([undefined, undefined]);
  expect(await app.ctx.redis.sismember(`req:{r${requirementId}}:unsynced`, wo.id)).toBe(1);

  const restarted = await child(env, { ROLE: 'all' });
  try {
    // Its one delayed job (queue.ts, scheduleDeadline): the reminder, due the default 2 h before the
    // deadline, whose run schedules the deadline.
    const [remind] = await pending();
    expect(remind!.timestamp + (remind!.opts.delay ?? 0)).toBeGreaterThan(wo.deadlineAt.getTime() - 7_200_000 - 60_000);
    expect(remind!.timestamp + (remind!.opts.delay ?? 0)).toBeLessThan(wo.deadlineAt.getTime() - 7_200_000 + 60_000);
    expect(await app.ctx.redis.scard(`req:{r${requirementId}}:unsynced`)).toBe(0);
    expect(await app.ctx.db.workOrder.count({ where: { requirementId } })).toBe(1);
  } finally {
    restarted.proc.kill('SIGTERM');
    expect(await restarted.exited).toBe(0);
  }
}, 120_000);

it('an emptied Redis is rebuilt from PostgreSQL: winners, fullness, capacity, releases', async () => {
  const a = await setup(1);
  const b = await setup(1);
  const won = await planner(app.url, app.ctx, a.plannerId).grab(a.requirementId);
  expect(won.status).toBe(201);

  const wipe = new Redis(env.redisUrl);
  await wipe.flushdb();
  wipe.disconnect();

  // Lazily, without a restart: the scripts answer "not loaded" and the state comes back from PostgreSQL.
  const repeat = await planner(app.url, app.ctx, a.plannerId).grab(a.requirementId);
  expect(repeat.body).toMatchObject({ ok: true, repeat: true, workOrderId: won.body.workOrderId });
  const full = await planner(app.url, app.ctx, b.plannerId).grab(a.requirementId);
  expect(full.body.error.code).toBe('FULL');
  const busy = await planner(app.url, app.ctx, a.plannerId).grab(b.requirementId);
  expect(busy.body.error.code).toBe('OVER_CAPACITY'); // maxActive 1, and the held slot came back from PostgreSQL

  // At boot, for everything live.
  const again = new Redis(env.redisUrl);
  await again.flushdb();
  await app.stop();
  app = await startApp(env, { ROLE: 'web' });
  expect(await app.ctx.redis.hget(`req:{r${a.requirementId}}`, 'status')).toBe('full');
  expect(await app.ctx.redis.hget(`req:{r${b.requirementId}}`, 'released')).toBe('SABC');
  expect(await app.ctx.redis.hget(`planner:{p${a.plannerId}}:active`, String(a.requirementId))).toBe(won.body.workOrderId);
  again.disconnect();
  const winB = await planner(app.url, app.ctx, b.plannerId).grab(b.requirementId);
  expect(winB.status).toBe(201);
}, 120_000);

it("another database's state on the same Redis is in its own namespace: never read as ours, never wiped", async () => {
  const redis = new Redis(env.redisUrl); // no keyPrefix: sees every namespace
  const other = 'dz:0123456789ab:';
  await redis.hset(`${other}req:{r1}`, 'status', 'full', 'wanted', '1', 'filled', '1', 'released', 'SABC');
  await redis.hset(`${other}planner:{p1}`, 'status', 'suspended');
  await redis.set(`${other}wx:access_token`, '{"value":"theirs","expireTime":9999999999999}');
  // The other database's planner 1: its live history and its ended sessions are not ours.
  await redis.xadd(`${other}live:{planner:1}`, '*', 'type', 'won', 'data', '{"requirementId":1}');
  await redis.hset(`${other}auth:revoked`, 'planner:1', '*');
  await redis.publish(`${other}ch:revoked`, JSON.stringify({ user: 'planner:1', what: '*' }));
  await app.stop();
  app = await startApp(env, { ROLE: 'web' });
  const [id] = await app.ctx.db.$queryRaw<{ id: string }[]>`SELECT id FROM _prisma_migrations ORDER BY started_at, id LIMIT 1`;
  expect(app.ctx.ns).toBe(namespaceOf(id.id));
  // requirement 1 and planner 1 of this database come from its PostgreSQL, not the stranger's.
  const status = (await app.ctx.db.requirement.findUnique({ where: { id: 1 } }))!.status;
  expect(await app.ctx.redis.hget('req:{r1}', 'status')).toBe(status);
  expect(await app.ctx.redis.hget('planner:{p1}', 'status')).toBe('active');
  expect(await eventsSince(app.ctx.redis, 'planner:1', '0-0')).toEqual([]);
  expect(app.ctx.revocations.refuses({ role: 'planner', id: 1, exp: Math.floor(Date.now() / 1000) + 60 })).toBe(false);
  // …and theirs is still there for them.
  expect(await redis.exists(`${other}req:{r1}`, `${other}live:{planner:1}`, `${other}auth:revoked`, `${other}wx:access_token`)).toBe(4);
  redis.disconnect();
});

it("a checkout whose database was replaced drops the old database's keys, and only those", async () => {
  const redis = new Redis(env.redisUrl);
  const old = 'dz:00000000dead:';
  const stranger = 'dz:0123456789ab:';
  await redis.hset(`${old}req:{r1}`, 'status', 'full');
  await redis.xadd(`${old}live:{planner:1}`, '*', 'type', 'won', 'data', '{}');
  await redis.set(`${stranger}cfg:release-plan`, '[]');
  // This checkout last ran on a database that is gone (its namespace was `old`).
  const me = checkoutId({ dataDir: app.ctx.config.DATA_DIR, databaseUrl: app.ctx.config.DATABASE_URL });
  await redis.hset('dz:checkouts', me, old);
  await app.stop();
  app = await startApp(env, { ROLE: 'web' });
  expect(await redis.exists(`${old}req:{r1}`, `${old}live:{planner:1}`)).toBe(0);
  expect(await redis.exists(`${stranger}cfg:release-plan`)).toBe(1);
  expect(await redis.hget('dz:checkouts', me)).toBe(app.ctx.ns);
  redis.disconnect();
});

it('ROLE=worker runs the releases for a ROLE=web process; the web side serves the grab', async () => {
  const s = (await ops(app.url).post('/suppliers', { name: `role-${Date.now()}` })).body;
  const p = (
    await ops(app.url).post('/planners', {
      supplierId: s.id,
      name: '分工',
      phone: phone(),
      tier: 'S',
      destinations: ['西安'],
      maxActive: 3,
      openid: `role-${Math.random()}`,
    })
  ).body;
  const worker = await child(env, { ROLE: 'worker' }, { waitHealthy: false });
  try {
    const r = (await ops(app.url).post('/requirements', requirementBody({ destinations: ['西安'], plannersWanted: 1 }))).body;
    await until(() => app.ctx.db.release.count({ where: { requirementId: r.id } }).then((n) => n === 4), 20_000, 100);
    const won = await planner(app.url, app.ctx, p.id).grab(r.id);
    expect(won.status).toBe(201);
    // WORKER_NICE (default 10): the worker gives way to web processes for the CPU.
    expect(getPriority(worker.proc.pid!)).toBe(10);
  } finally {
    worker.proc.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  }
}, 60_000);

it('a wrong configuration value stops the boot with a message naming the variable', async () => {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: 'eighty', TIER_DELAYS: 'S:0', REDIS_URL: env.redisUrl, DATABASE_URL: env.databaseUrl },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise((ok) => proc.on('exit', ok));
  expect(code).toBe(2);
  expect(stderr).toMatch(/PORT: /);
  expect(stderr).toMatch(/TIER_DELAYS: /);
}, 30_000);
