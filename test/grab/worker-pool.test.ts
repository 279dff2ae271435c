/**
 * The workers hold their own database connections: with every one of them busy (a stuck schedule),
 * web requests still get theirs — ops intake used to answer 500 "Unable to start a transaction"
 * when both shared one pool. Each role holds the connections docs/operations.md budgets for it.
 */
import { expect, it } from 'vitest';
import type { Running } from '../../src/boot.js';
import { ops, requirementBody, startApp, until, withApp } from '../support.js';

const h = withApp({ WORKER_DB_POOL: '3' });

it('web requests are served while every worker connection is busy', async () => {
  const w = h.app.workerCtx!;
  expect(w.pool).not.toBe(h.app.ctx.pool);
  // Every worker connection stuck behind a lock this test holds (released only at the end: no clock involved).
  const gate = await h.app.ctx.pool.connect();
  await gate.query('SELECT pg_advisory_lock(424242)');
  let released = false;
  const held = Promise.all(Array.from({ length: 3 }, () => w.pool.query('SELECT pg_advisory_xact_lock(424242)'))).then(() => {
    released = true;
  });
  await until(() => w.pool.totalCount === 3 && w.pool.idleCount === 0); // all three taken
  const r = await ops(h.app.url).post('/requirements', requirementBody());
  expect(r.status).toBe(201);
  expect((await ops(h.app.url).get(`/requirements/${r.body.id}`)).status).toBe(200);
  expect(released).toBe(false); // served while the workers' connections were all taken
  await gate.query('SELECT pg_advisory_unlock(424242)');
  gate.release();
  await held;
});

/** db_pool_connections at a scrape, one state of each pool: max (its size), open, idle or waiting. */
async function poolGauge(app: Running, state: string): Promise<Record<string, number>> {
  const gauge = (await app.ctx.metrics.json()).find((m) => m.name === 'db_pool_connections');
  const values = (gauge?.values ?? []) as { value: number; labels: Record<string, string | number> }[];
  return Object.fromEntries(values.filter((v) => v.labels.state === state).map((v) => [v.labels.pool, v.value]));
}

it('each role holds the documented budget of PostgreSQL connections: web 16 + 4 + 1, a worker WORKER_DB_POOL + 1', async () => {
  // ROLE=all (this file's app): the web's 21 and the workers' own.
  expect(await poolGauge(h.app, 'max')).toEqual({ general: 16, recorder: 4, audit: 1, worker: 3 });
  const web = await startApp(h.env, { ROLE: 'web' });
  const worker = await startApp(h.env, { ROLE: 'worker', WORKER_DB_POOL: '7' });
  try {
    expect(await poolGauge(web, 'max')).toEqual({ general: 16, recorder: 4, audit: 1 });
    // A worker process's jobs, listeners and dispatch wins share one pool of WORKER_DB_POOL.
    expect(await poolGauge(worker, 'max')).toEqual({ general: 7, audit: 1 });
    expect(worker.workerCtx!.pool).toBe(worker.ctx.pool);
    // The gauge reads the pools as they are: a query on the worker's opens one of its connections.
    await worker.workerCtx!.pool.query('SELECT 1');
    expect((await poolGauge(worker, 'open')).general).toBeGreaterThanOrEqual(1);
  } finally {
    await worker.stop();
    await web.stop();
  }
});
