/**
 * Group commit: concurrent wins share INSERTs, every one is committed, a bad row fails only its caller;
 * a last slot's win records its requirement full in the same statement.
 */

import type { Pool } from 'pg';
import { expect, it } from 'vitest';
import { createRecorder, RECORDER_CONNECTIONS } from '../../src/grab/journal.js';
import { RECORDER_APP } from '../../src/infra/database.js';
import { factories } from '../factories.js';
import { withApp } from '../support.js';

const t = withApp({ ROLE: 'web' });
/** The world built through the capabilities (no HTTP: this file is about the recorder). */
const make = () => factories(t.app.ctx);

/** `n` planners serving `destination`, each of a supplier of its own (one live slot per supplier). */
async function plannersOf(n: number, destination: string, maxActive: number): Promise<{ id: number; supplierId: number }[]> {
  const planners = [];
  for (let i = 0; i < n; i++) {
    const s = await make().supplier({ name: `journal-${destination}-${i}` });
    planners.push(
      await make().planner({ supplierId: s.id, name: `${destination}${i}`, destinations: [destination], maxActive, openid: null }),
    );
  }
  return planners;
}

it("a web process opens the wins' connections at start and keeps them, whatever the storm", async () => {
  const recorderConnections = async () =>
    Number(
      (
        await t.app.ctx.pool.query(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`,
          [RECORDER_APP],
        )
      ).rows[0].n,
    );
  expect(await recorderConnections()).toBe(RECORDER_CONNECTIONS); // before any grab
  const planners = await plannersOf(30, 'warm', 5);
  const reqs = [];
  for (let i = 0; i < 10; i++) reqs.push((await make().requirement({ destinations: ['warm'] })).id);
  await Promise.all(
    reqs.flatMap((id) =>
      planners.map((p) =>
        t.app.ctx.recorder.record({
          id: `warm-${id}-${p.id}`,
          requirementId: id,
          plannerId: p.id,
          supplierId: p.supplierId,
          channel: 'h5',
          at: Date.now(),
        }),
      ),
    ),
  );
  expect(await t.app.ctx.db.workOrder.count({ where: { id: { startsWith: 'warm-' } } })).toBe(300);
  expect(await recorderConnections()).toBe(RECORDER_CONNECTIONS);
});

it('200 concurrent wins are committed in a handful of statements', async () => {
  const planners = await plannersOf(4, 'x', 500);
  const reqs = [];
  for (let i = 0; i < 50; i++) reqs.push((await make().requirement({ destinations: ['x'] })).id);

  let statements = 0;
  const counting = {
    query: (...args: Parameters<Pool['query']>) => {
      statements++;
      return (t.app.ctx.pool.query as (...a: unknown[]) => unknown)(...args);
    },
  } as unknown as Pool;
  const recorder = createRecorder(counting, 3600);
  // The fourth win took the last slot on the first 20 requirements; the last of those was closed by ops meanwhile.
  await t.app.ctx.db.requirement.update({ where: { id: reqs[19] }, data: { status: 'closed' } });
  const at = Date.now() - 5000;
  const rows = reqs.flatMap((requirementId, i) =>
    planners.map((p, j) => ({
      id: `gc-${i}-${j}`,
      requirementId,
      plannerId: p.id,
      supplierId: p.supplierId,
      channel: 'h5' as const,
      at: at + j,
      madeFull: i < 20 && j === 3,
    })),
  );
  await Promise.all(rows.map((r) => recorder.record(r)));
  expect(statements).toBeLessThanOrEqual(5);
  expect(await t.app.ctx.db.workOrder.count({ where: { id: { startsWith: 'gc-' } } })).toBe(200);
  const status = await t.app.ctx.db.requirement.findMany({ where: { id: { in: reqs } }, select: { id: true, status: true, fullAt: true } });
  const byId = new Map(status.map((r) => [r.id, r]));
  for (const [i, id] of reqs.entries()) {
    const r = byId.get(id)!;
    if (i < 19) expect([r.status, r.fullAt?.getTime()]).toEqual(['full', at + 3]);
    else if (i === 19)
      expect([r.status, r.fullAt]).toEqual(['closed', null]); // a status past open/full is left alone
    else expect([r.status, r.fullAt]).toEqual(['open', null]);
  }

  // A row that breaks a rule (a second live slot of one supplier) fails loudly, and only its own caller.
  const p0 = planners[0];
  const other = await make().planner({ supplierId: p0.supplierId, name: 'same-supplier', destinations: ['x'], openid: null });
  const fresh = (await make().requirement({ destinations: ['x'] })).id;
  const [bad, good] = await Promise.allSettled([
    recorder.record({
      id: 'gc-bad',
      requirementId: reqs[0],
      plannerId: other.id,
      supplierId: p0.supplierId,
      channel: 'h5',
      at: Date.now(),
    }),
    recorder.record({ id: 'gc-good', requirementId: fresh, plannerId: p0.id, supplierId: p0.supplierId, channel: 'h5', at: Date.now() }),
  ]);
  expect(bad.status).toBe('rejected');
  expect(String((bad as PromiseRejectedResult).reason)).toMatch(/work_orders_live_supplier_key/);
  expect(good.status).toBe('fulfilled');
  expect(await t.app.ctx.db.workOrder.count({ where: { id: { in: ['gc-bad', 'gc-good'] } } })).toBe(1);
  // A replay of a recorded win is a no-op.
  await recorder.record({
    id: 'gc-good',
    requirementId: fresh,
    plannerId: p0.id,
    supplierId: p0.supplierId,
    channel: 'h5',
    at: Date.now(),
  });
});
