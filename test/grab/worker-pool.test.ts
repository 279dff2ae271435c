/**
 * The workers hold their own database connections: with every one of them busy (a stuck schedule),
 * web requests still get theirs — ops intake used to answer 500 "Unable to start a transaction"
 * when both shared one pool.
 */
import { expect, it } from 'vitest';
import { ops, requirementBody, until, withApp } from '../support.js';

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
