/**
 * PostgreSQL unreachable for a while, through a TCP proxy this test cuts and restores: the health
 * check says 503; a grab that wins in Redis is answered "being confirmed" (never a win that is not
 * recorded, never a 500); when the database is back everything recovers by itself — health 200,
 * the reconciler records the win, the planner is told — and nothing acknowledged is lost.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Running } from '../../src/boot.js';
import { cuttableProxy, type Env, isolatedEnv, ops, phone, planner, requirementBody, startApp, until } from '../support.js';

let env: Env;
let app: Running;
let proxy: Awaited<ReturnType<typeof cuttableProxy>>;

beforeAll(async () => {
  env = await isolatedEnv();
  proxy = await cuttableProxy(env.databaseUrl);
  app = await startApp({ ...env, databaseUrl: proxy.url }, { RECONCILE_EVERY: '1' });
});

afterAll(async () => {
  await app?.stop();
  await proxy?.close();
  await env?.release();
});

const cut = () => proxy.cut();

it('a PostgreSQL outage: health 503, wins "being confirmed", then recorded and told when it is back', async () => {
  const place = `断库地-${phone().slice(-4)}`;
  const s = (await ops(app.url).post('/suppliers', { name: `断库社-${place}` })).body;
  const p = (
    await ops(app.url).post('/planners', {
      supplierId: s.id,
      name: '断库',
      phone: phone(),
      tier: 'S',
      destinations: [place],
      maxActive: 3,
      openid: `o-pgdown-${phone()}`,
    })
  ).body;
  const r = (await ops(app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 1 }))).body;
  await planner(app.url, app.ctx, p.id).pool(); // the planner's hot state is loaded

  cut();
  const health = await fetch(`${app.url}/readyz`);
  expect([health.status, (await health.json()).database]).toEqual([503, false]);
  expect((await fetch(`${app.url}/healthz`)).status).toBe(200); // the process itself answers: no restart wanted
  const g = await planner(app.url, app.ctx, p.id).grab(r.id);
  expect(g.status).toBe(202);
  expect(g.body).toMatchObject({ confirming: true, workOrderId: expect.any(String) });

  proxy.restore(); // the database is back: nothing to do by hand
  await until(async () => (await fetch(`${app.url}/readyz`)).status === 200);
  const wo = await until(() => app.ctx.db.workOrder.findUnique({ where: { id: g.body.workOrderId } }), 20_000, 200);
  expect([wo.plannerId, wo.status]).toEqual([p.id, 'active']);
  expect((await app.ctx.db.requirement.findUniqueOrThrow({ where: { id: r.id } })).status).toBe('full');
  await until(() => app.ctx.db.message.findFirst({ where: { kind: 'won', plannerId: p.id } }), 20_000, 200);
});

it('a double fault: wins answered "being confirmed" while PostgreSQL was cut are all recorded and told, though Redis lost everything a moment after the database came back', async () => {
  // The reconciler far away: only the answering process's promises can save these wins.
  await app.stop();
  app = await startApp({ ...env, databaseUrl: proxy.url }, { RECONCILE_EVERY: '3600' });
  const place = `双故障地-${phone().slice(-4)}`;
  const planners: number[] = [];
  for (let i = 0; i < 4; i++) {
    const s = (await ops(app.url).post('/suppliers', { name: `双故障社${i}-${place}` })).body;
    planners.push(
      (
        await ops(app.url).post('/planners', {
          supplierId: s.id,
          name: `双故障${i}`,
          phone: phone(),
          tier: 'S',
          destinations: [place],
          maxActive: 5,
          openid: `o-double-${phone()}`,
        })
      ).body.id,
    );
  }
  const reqs: number[] = [];
  for (let i = 0; i < 2; i++)
    reqs.push((await ops(app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 2 }))).body.id);
  for (const p of planners) await planner(app.url, app.ctx, p).pool();

  cut();
  const answers = await Promise.all(planners.map((p, i) => planner(app.url, app.ctx, p).grab(reqs[i % 2])));
  expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202]);
  proxy.restore();
  // Redis loses everything at once (a restart without persistence), before any reconciler pass.
  const r = new Redis(env.redisUrl);
  await r.flushdb();
  r.disconnect();
  for (const a of answers) {
    const wo = await until(() => app.ctx.db.workOrder.findUnique({ where: { id: a.body.workOrderId } }), 30_000, 200);
    expect(wo.status).toBe('active');
  }
  // Each planner is told the win, as any win is told.
  for (const p of planners) await until(() => app.ctx.db.message.findFirst({ where: { kind: 'won', plannerId: p } }), 30_000, 200);
  for (const id of reqs) expect(await app.ctx.db.workOrder.count({ where: { requirementId: id } })).toBe(2);
});
