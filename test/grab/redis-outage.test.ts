/**
 * Redis out of reach (through a TCP proxy this test cuts and restores): a grab is answered 503
 * "try again" at once — while Redis is still away — instead of waiting in the client's queue for
 * it to come back; when it is back, the same grab wins.
 */
import { createServer, type Server, Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Running } from '../../src/boot.js';
import { isolatedEnv, ops, phone, planner, requirementBody, startApp, until, type Env } from '../support.js';

let env: Env;
let app: Running;
let proxy: Server;
let down = false;
const open = new Set<Socket>();

beforeAll(async () => {
  env = await isolatedEnv();
  const target = new URL(env.redisUrl);
  proxy = createServer((client) => {
    if (down) return void client.destroy();
    const upstream = new Socket().connect(Number(target.port || 6379), target.hostname);
    open.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop).pipe(upstream);
    upstream.on('error', drop).on('close', drop).pipe(client);
  });
  await new Promise<void>((ok) => proxy.listen(0, '127.0.0.1', ok));
  const via = new URL(env.redisUrl);
  via.hostname = '127.0.0.1';
  via.port = String((proxy.address() as { port: number }).port);
  app = await startApp({ ...env, redisUrl: via.toString() });
});

afterAll(async () => {
  down = false;
  await app?.stop();
  proxy?.close();
  await env?.release();
});

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

  down = true;
  for (const sock of open) sock.destroy();
  await until(() => app.ctx.redis.status !== 'ready');
  // Answered while Redis is still cut (the proxy is restored only after this answer).
  const g = await planner(app.url, app.ctx, p.id).grab(r.id);
  expect([g.status, g.body.error.code]).toEqual([503, 'UNAVAILABLE']);
  expect(down).toBe(true);

  down = false;
  await until(() => app.ctx.redis.status === 'ready');
  await until(async () => (await planner(app.url, app.ctx, p.id).grab(r.id)).status === 201 || null, 20_000, 500);
});
