/**
 * Redis out of reach (through a TCP proxy this test cuts and restores): a grab is answered 503
 * "try again" at once — while Redis is still away — instead of waiting in the client's queue for
 * it to come back; when it is back, the same grab wins.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Running } from '../../src/boot.js';
import { cuttableProxy, type Env, isolatedEnv, ops, phone, planner, requirementBody, startApp, until } from '../support.js';

let env: Env;
let app: Running;
let proxy: Awaited<ReturnType<typeof cuttableProxy>>;

beforeAll(async () => {
  env = await isolatedEnv();
  proxy = await cuttableProxy(env.redisUrl);
  app = await startApp({ ...env, redisUrl: proxy.url });
});

// stop() is bounded step by step (boot.ts), up to about a minute after a Redis outage in all: the hook waits for that.
afterAll(async () => {
  proxy?.restore();
  await app?.stop();
  await proxy?.close();
  await env?.release();
}, 120_000);

it('with Redis cut, a grab is answered 503 while Redis is still away; back, the same grab wins', async () => {
  const place = `断缓存地-${phone().slice(-4)}`;
  const s = (await ops(app.url).post('/suppliers', { name: `断缓存社-${place}` })).body;
  const p = (
    await ops(app.url).post('/planners', {
      supplierId: s.id,
      name: '断缓存',
      phone: phone(),
      tier: 'S',
      destinations: [place],
      maxActive: 3,
      openid: `o-redis-down-${phone()}`,
    })
  ).body;
  const r = (await ops(app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 1 }))).body;
  // Released to the planner (tier S at once) before Redis goes away.
  await until(async () =>
    (await planner(app.url, app.ctx, p.id).pool()).body.items?.some((i: { requirementId: number }) => i.requirementId === r.id),
  );

  proxy.cut();
  await until(() => app.ctx.redis.status !== 'ready');
  // Answered while Redis is still cut (the proxy is restored only after this answer).
  const g = await planner(app.url, app.ctx, p.id).grab(r.id);
  expect([g.status, g.body.error.code]).toEqual([503, 'UNAVAILABLE']);
  expect(proxy.down).toBe(true);

  proxy.restore();
  await until(() => app.ctx.redis.status === 'ready');
  await until(async () => (await planner(app.url, app.ctx, p.id).grab(r.id)).status === 201 || null, 20_000, 500);
});
