/**
 * Ended sessions stay ended after Redis loses its data (#26): suspensions, unbinds, ops sign-outs,
 * password resets and suspended ops accounts are kept in PostgreSQL and the session list is rebuilt
 * from it, so a Redis restarted empty brings no session back; and the ops API checks the account's
 * status itself, so a suspended account's cookie changes nothing even if a list were stale.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Running } from '../../src/boot.js';
import { upsertAccount } from '../../src/ops/index.js';
import { OPS_COOKIE, signSession } from '../../src/session/index.js';
import { call, type Env, isolatedEnv, ops, phone, plannerCookie, requirementBody, startApp } from '../support.js';

let env: Env;
let app: Running;

beforeAll(async () => {
  env = await isolatedEnv();
  app = await startApp(env);
});
afterAll(async () => {
  await app?.stop();
  await env?.release();
});

async function newPlanner(name: string) {
  const s = (await ops(app.url).post('/suppliers', { name: `会话社-${name}-${phone()}` })).body;
  return (
    await ops(app.url).post('/planners', {
      supplierId: s.id,
      name,
      phone: phone(),
      tier: 'S',
      destinations: ['敦煌'],
      maxActive: 3,
      openid: `o-session-${phone()}`,
    })
  ).body as { id: number; supplierId: number };
}

async function opsSignIn(email: string, role: 'admin' | 'ops') {
  const { password } = await upsertAccount(app.ctx, { email, role });
  const res = await fetch(`${app.url}/api/ops/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: app.url },
    body: JSON.stringify({ email, password }),
  });
  expect(res.status).toBe(200);
  return res.headers.get('set-cookie')!.split(';')[0];
}

const asOps = (cookie: string, method: string, path: string, body?: unknown) =>
  call(app.url, method, `/api/ops${path}`, body, { cookie, origin: app.url });

it('after Redis restarts empty, suspended and unbound planners, signed-out and suspended ops accounts stay signed out', async () => {
  const suspended = await newPlanner('停用者');
  const unbound = await newPlanner('解绑者');
  const bySupplier = await newPlanner('供应商停用');
  const cookies = {
    suspended: plannerCookie(app.ctx, suspended.id),
    unbound: plannerCookie(app.ctx, unbound.id),
    bySupplier: plannerCookie(app.ctx, bySupplier.id),
  };
  await new Promise((r) => setTimeout(r, 5)); // the ends below come after these sessions were issued
  expect((await ops(app.url).patch(`/planners/${suspended.id}`, { status: 'suspended', reason: '投诉调查' })).status).toBe(200);
  expect((await ops(app.url).post(`/planners/${unbound.id}/unbind`, {})).status).toBe(200);
  expect((await ops(app.url).patch(`/suppliers/${bySupplier.supplierId}`, { status: 'suspended', reason: '合同到期' })).status).toBe(200);

  const signedOut = await opsSignIn(`out-${phone()}@example.com`, 'ops');
  expect((await asOps(signedOut, 'DELETE', '/session')).status).toBe(204);
  const suspendedOps = await opsSignIn(`gone-${phone()}@example.com`, 'ops');
  const admin = await opsSignIn(`admin-${phone()}@example.com`, 'admin');
  const goneId = (await asOps(suspendedOps, 'GET', '/me')).body.id;
  expect((await asOps(admin, 'PATCH', `/accounts/${goneId}`, { status: 'suspended' })).status).toBe(200);

  const refusedNow = async () => {
    for (const cookie of Object.values(cookies))
      expect((await call(app.url, 'GET', '/api/planner/work-orders', undefined, { cookie })).status).toBe(401);
    expect((await asOps(signedOut, 'GET', '/me')).status).toBe(401);
    expect((await asOps(suspendedOps, 'GET', '/me')).status).toBe(401);
  };
  await refusedNow();

  // Redis loses everything; a new process starts on it.
  await app.stop();
  const r = new Redis(env.redisUrl);
  await r.flushdb();
  r.disconnect();
  app = await startApp(env);
  await refusedNow();
  // A planner who was never ended still works.
  const fine = await newPlanner('正常');
  expect((await call(app.url, 'GET', '/api/planner/work-orders', undefined, { cookie: plannerCookie(app.ctx, fine.id) })).status).toBe(200);
});

it("a suspended ops account's cookie changes nothing through the API, even when the session list has not heard of it", async () => {
  const { id } = await upsertAccount(app.ctx, { email: `stale-${phone()}@example.com`, role: 'ops' });
  const r = (await ops(app.url).post('/requirements', requirementBody())).body;
  // Suspended in the record behind the list's back (as if the news never arrived).
  await app.ctx.db.opsAccount.update({ where: { id }, data: { status: 'suspended' } });
  const cookie = `${OPS_COOKIE}=${signSession(app.ctx.sessionSecret, { role: 'ops', id }, Date.now())}`;
  const closed = await asOps(cookie, 'POST', `/requirements/${r.id}/close`, { reason: '想关掉' });
  expect([closed.status, closed.body.error.code]).toEqual([403, 'ACCOUNT_SUSPENDED']);
  expect((await ops(app.url).get(`/requirements/${r.id}`)).body.status).toBe('open');
});
