/**
 * /readyz against what it says it checks: the Lua scripts flushed from Redis's cache (a restarted or
 * failed-over Redis) are loaded by the check itself; a migration this build carries but the database
 * lacks keeps the process out of rotation, named; /healthz answers throughout (no restart wanted).
 * In the faults project: SCRIPT FLUSH is the whole server's.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Running } from '../../src/boot.js';
import { listMigrations } from '../../src/infra/migrate.js';
import { call, type Env, isolatedEnv, startApp } from '../support.js';

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

it('loads the scripts Redis forgot, and names a migration the database lacks', async () => {
  await app.ctx.redis.script('FLUSH');
  const first = await call(app.url, 'GET', '/readyz');
  expect(first.status).toBe(200);
  // What the check found missing it loaded: all of them but any the app's own background work ran
  // (and so loaded, by EVAL) between the flush and the check. After it, none is missing.
  expect(first.body.scripts.loaded).toBeGreaterThan(first.body.scripts.count / 2);
  expect(first.body.scripts.loaded).toBeLessThanOrEqual(first.body.scripts.count);
  expect((await call(app.url, 'GET', '/readyz')).body.scripts.loaded).toBe(0);

  const last = listMigrations().at(-1)!.name;
  await app.ctx.pool.query(`UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = $1`, [last]);
  try {
    const behind = await call(app.url, 'GET', '/readyz');
    expect(behind).toMatchObject({
      status: 503,
      body: { ready: false, migrations: { ok: false, missing: [last] }, redis: true, database: true },
    });
    expect((await call(app.url, 'GET', '/healthz')).status).toBe(200);
  } finally {
    await app.ctx.pool.query(`UPDATE "_prisma_migrations" SET rolled_back_at = NULL WHERE migration_name = $1`, [last]);
  }
  expect((await call(app.url, 'GET', '/readyz')).status).toBe(200);
});
