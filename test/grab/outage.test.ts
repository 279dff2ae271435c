/**
 * A win PostgreSQL cannot record this moment (an outage; here FAULT_INJECT=record-unavailable fails
 * the record step as a refused connection would): the planner is told it is being confirmed (202),
 * never "won" nor a 500; the slot stays held in Redis; the reconciler records it when it can, and
 * only then is the win told (live, template message), as the record says.
 */
import { expect, it } from 'vitest';
import { requirementKeys } from '../../src/grab/keys.js';
import { liveKeys } from '../../src/infra/keys.js';
import { handleText } from '../../src/wechat/index.js';
import { ops, phone, planner, reconciled, requirementBody, until, withApp } from '../support.js';

const h = withApp({ FAULT_INJECT: 'record-unavailable' });

it('a win that cannot be recorded is "being confirmed", then recorded and told by the reconciler', async () => {
  const place = `停库地-${phone().slice(-4)}`;
  const mk = async (i: number) => {
    const s = (await ops(h.app.url).post('/suppliers', { name: `停库社-${place}-${i}` })).body;
    return (
      await ops(h.app.url).post('/planners', {
        supplierId: s.id,
        name: `停库${i}`,
        phone: phone(),
        tier: 'S',
        destinations: [place],
        maxActive: 3,
        openid: `o-outage-${phone()}`,
      })
    ).body as {
      id: number;
      openid: string;
    };
  };
  const [p, q] = [await mk(0), await mk(1)];
  const r = (await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 2 }))).body;

  const g = await planner(h.app.url, h.app.ctx, p.id).grab(r.id);
  expect(g.status).toBe(202);
  expect(g.body).toMatchObject({ ok: true, confirming: true, message: expect.stringContaining('正在确认') });
  expect(g.body.contact).toBeUndefined(); // nothing is promised before it is recorded
  expect(await h.app.ctx.db.workOrder.count({ where: { requirementId: r.id } })).toBe(0);
  expect(await h.app.ctx.redis.hget(requirementKeys(r.id).planners, String(p.id))).toBe(g.body.workOrderId); // the slot is held
  // The reply path says the same.
  expect(await handleText(h.app.ctx, q.openid, `抢 ${r.code}`)).toContain('正在确认记录');

  // A repeat is told its proposal deadline from the slot's journal entry, with nothing recorded yet.
  const again = await planner(h.app.url, h.app.ctx, p.id).grab(r.id);
  expect(again.body).toMatchObject({ repeat: true, workOrderId: g.body.workOrderId, deadlineAt: expect.any(String) });

  // The database answers again: the reconciler records both and tells them.
  await reconciled(h.app.ctx);
  const rows = await h.app.ctx.db.workOrder.findMany({ where: { requirementId: r.id } });
  expect(rows.map((w) => w.plannerId).sort()).toEqual([p.id, q.id].sort());
  expect(rows.find((w) => w.plannerId === p.id)!.deadlineAt.toISOString()).toBe(again.body.deadlineAt); // the record agrees
  await until(async () => {
    const events = await h.app.ctx.redis.xrange(liveKeys.user(`planner:${p.id}`), '-', '+');
    return events.some(([, f]) => f[1] === 'won');
  });
  await until(async () => (await h.app.ctx.db.message.count({ where: { kind: 'won', plannerId: { in: [p.id, q.id] } } })) === 2);
});
