/**
 * The backup drill (docs/operations.md, "Backups"): a marketplace mid-flight is dumped with
 * pg_dump, its database dropped, the dump restored into a fresh database, Redis emptied, and the
 * product booted on the restored database. It is whole: every table's rows, a tier release still
 * due, a work order and its deadline, a paid deposit, the grab rules (a second win for the same
 * supplier refused), and the sessions that were ended stay ended. Redis is rebuilt from PostgreSQL.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Running } from '../../src/boot.js';
import { signSession } from '../../src/session/index.js';
import { call, type Env, isolatedEnv, ops, phone, planner, plannerCookie, requirementBody, startApp, until } from '../support.js';

let env: Env;
let app: Running;
let restoredUrl = '';
const dir = mkdtempSync(join(tmpdir(), 'dz-backup-'));
const extra = { TIER_DELAYS: 'S:0,A:3600,B:7200,C:7200' };

beforeAll(async () => {
  env = await isolatedEnv();
  app = await startApp(env, extra);
});
afterAll(async () => {
  await app?.stop();
  await env?.release();
  if (restoredUrl) await dropDatabase(restoredUrl);
  rmSync(dir, { recursive: true, force: true });
});

const admin = () => {
  const u = new URL(env.databaseUrl);
  u.pathname = '/postgres';
  return u.toString();
};
async function sql(url: string, text: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows;
  } finally {
    await c.end();
  }
}
async function dropDatabase(url: string) {
  await sql(admin(), `DROP DATABASE IF EXISTS ${new URL(url).pathname.slice(1)} WITH (FORCE)`);
}
/** Rows per table, the migrations' own bookkeeping aside. */
async function counts(url: string): Promise<Record<string, number>> {
  const tables = await sql(url, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
  const out: Record<string, number> = {};
  for (const { tablename } of tables) out[tablename] = Number((await sql(url, `SELECT count(*) AS n FROM "${tablename}"`))[0].n);
  return out;
}

async function plannerOf(place: string, tier: 'S' | 'A', supplierId?: number) {
  const s = supplierId ?? (await ops(app.url).post('/suppliers', { name: `备份社-${place}-${phone()}` })).body.id;
  const p = await ops(app.url).post('/planners', {
    supplierId: s,
    name: `${tier}级`,
    phone: phone(),
    tier,
    destinations: [place],
    maxActive: 5,
    openid: `o-bk-${phone()}`,
  });
  return { id: p.body.id as number, supplierId: s as number };
}

it('dump, drop, restore into a fresh database, boot: the marketplace is whole and ended sessions stay ended', async () => {
  const place = `备份地${phone().slice(-4)}`;
  const s1 = await plannerOf(place, 'S');
  const sameSupplier = await plannerOf(place, 'S', s1.supplierId);
  const s2 = await plannerOf(place, 'S');
  const a1 = await plannerOf(place, 'A');
  const suspended = await plannerOf(place, 'S');
  const suspendedCookie = plannerCookie(app.ctx, suspended.id);
  await new Promise((ok) => setTimeout(ok, 5));
  expect((await ops(app.url).patch(`/planners/${suspended.id}`, { status: 'suspended', reason: '投诉调查' })).status).toBe(200);

  // A requirement released to S (A is due in an hour), won by one S planner: a work order with its deadline.
  const r = (await ops(app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 3 }))).body;
  const win = await planner(app.url, app.ctx, s1.id).grab(r.id);
  expect(win.status).toBe(201);
  // A traveler who chose, paid a deposit through the sandbox cashier, and whose trip is paid.
  const paid = (
    await ops(app.url).post(
      '/requirements',
      requirementBody({
        destinations: [place],
        plannersWanted: 1,
        traveler: { name: '付定金', phone: phone(), openid: `o-bk-t-${phone()}` },
      }),
    )
  ).body;
  const w2 = await planner(app.url, app.ctx, s2.id).grab(paid.id);
  await planner(app.url, app.ctx, s2.id).propose(w2.body.workOrderId, {
    itinerary: '第1天洱海骑行，第2天沙溪古镇，第3天苍山',
    priceFen: 1_000_000,
  });
  const travelerCookie = `sid=${signSession(app.ctx.sessionSecret, { role: 'traveler', id: paid.traveler.id })}`;
  const chosen = await call(
    app.url,
    'POST',
    `/api/traveler/requirements/${paid.id}/choose`,
    { workOrderId: w2.body.workOrderId },
    { cookie: travelerCookie },
  );
  expect([chosen.status, chosen.body.error?.code]).toEqual([200, undefined]);
  await call(app.url, 'POST', '/sandbox/pay/cashier', { prepayId: chosen.body.deposit.payParams.package.slice(10) });
  await until(async () => (await app.ctx.db.requirement.findUniqueOrThrow({ where: { id: paid.id } })).status === 'paid');
  // A traveler who deleted their account: their session must stay ended.
  const gone = (
    await ops(app.url).post(
      '/requirements',
      requirementBody({ destinations: ['别处'], traveler: { name: '走了', phone: phone(), openid: `o-bk-g-${phone()}` } }),
    )
  ).body;
  const goneCookie = `sid=${signSession(app.ctx.sessionSecret, { role: 'traveler', id: gone.traveler.id })}`;
  await new Promise((ok) => setTimeout(ok, 5));
  expect((await call(app.url, 'POST', '/api/traveler/me/delete', { confirm: '注销' }, { cookie: goneCookie })).status).toBe(200);
  await until(() => app.ctx.db.message.findFirst({ where: { kind: 'won', plannerId: s1.id } }));
  await app.ctx.audit.flush();

  // The backup, as docs/operations.md says: pg_dump's custom format, while the product runs.
  const dump = join(dir, 'marketplace.dump');
  execFileSync('pg_dump', ['--format=custom', '--no-owner', '--file', dump, env.databaseUrl]);
  expect(statSync(dump).size).toBeGreaterThan(10_000);
  const before = await counts(env.databaseUrl);
  await app.stop();

  // Disaster: the database is gone, and Redis with it.
  await dropDatabase(env.databaseUrl);
  const redis = new Redis(env.redisUrl);
  await redis.flushdb();
  redis.disconnect();

  // Restore into a fresh database and boot on it.
  const fresh = new URL(env.databaseUrl);
  fresh.pathname = `/${fresh.pathname.slice(1)}_restored`;
  restoredUrl = fresh.toString();
  await sql(admin(), `CREATE DATABASE ${fresh.pathname.slice(1)}`);
  execFileSync('pg_restore', ['--no-owner', '--exit-on-error', '--dbname', restoredUrl, dump]);
  expect(await counts(restoredUrl)).toEqual(before);
  app = await startApp({ ...env, databaseUrl: restoredUrl }, extra);

  // The schedule is back from PostgreSQL: the A release still due, the work order's clock (its reminder, then its deadline).
  await until(async () => {
    const delayed = await app.ctx.queue.getDelayed();
    const has = (f: (d: Record<string, unknown>) => boolean) => delayed.some((j) => f(j.data));
    return (
      has((d) => d.kind === 'release' && d.requirementId === r.id && d.tier === 'A') &&
      has((d) => (d.kind === 'remind' || d.kind === 'deadline') && d.workOrderId === win.body.workOrderId)
    );
  }, 20_000);
  const wo = await app.ctx.db.workOrder.findUniqueOrThrow({ where: { id: win.body.workOrderId } });
  expect(wo.status).toBe('active');
  expect((await app.ctx.db.deposit.findFirstOrThrow({ where: { requirementId: paid.id } })).status).toBe('paid');

  // The grab rules hold on the rebuilt hot state: a repeat is a repeat, one supplier one slot, another supplier wins.
  expect((await planner(app.url, app.ctx, s1.id).grab(r.id)).status).toBe(200);
  expect((await planner(app.url, app.ctx, sameSupplier.id).grab(r.id)).body.error.code).toBe('SUPPLIER_HOLDS_SLOT');
  expect((await planner(app.url, app.ctx, a1.id).grab(r.id)).body.error.code).toBe('NOT_RELEASED');
  expect((await planner(app.url, app.ctx, s2.id).grab(r.id)).status).toBe(201);
  // The planner's own page still shows the work order; the paid traveler still sees the trip paid.
  const mine = await planner(app.url, app.ctx, s1.id).workOrders();
  expect(JSON.stringify(mine.body)).toContain(win.body.workOrderId);
  expect((await call(app.url, 'GET', `/api/traveler/requirements/${paid.id}`, undefined, { cookie: travelerCookie })).body.status).toBe(
    'paid',
  );

  // Ended sessions stay ended.
  expect((await call(app.url, 'GET', '/api/planner/work-orders', undefined, { cookie: suspendedCookie })).status).toBe(401);
  expect((await call(app.url, 'GET', '/api/traveler/me/data', undefined, { cookie: goneCookie })).status).toBe(401);
  expect((await call(app.url, 'GET', '/readyz')).status).toBe(200);
});
