/**
 * A promise that cannot be kept is said, never left waiting (#26): a win answered "being
 * confirmed" whose slot Redis lost, and which went to another planner meanwhile, ends with its
 * planner told (a grab-unconfirmed message) — and a promise whose slot is still free is won again
 * under the same work-order id and recorded.
 */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { grab } from '../../src/grab/grab.js';
import { keepPromise, promisesKept } from '../../src/grab/promises.js';
import { ops, phone, planner, requirementBody, until, withApp } from '../support.js';

const h = withApp();

async function plannersOf(place: string, n: number) {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = (await ops(h.app.url).post('/suppliers', { name: `承诺社${i}-${place}` })).body;
    ids.push(
      (
        await ops(h.app.url).post('/planners', {
          supplierId: s.id,
          name: `承诺${i}`,
          phone: phone(),
          tier: 'S',
          destinations: [place],
          maxActive: 5,
          openid: `o-promise-${phone()}`,
        })
      ).body.id,
    );
  }
  return ids;
}

it('a promised win whose slot went to another planner is told as not kept; one whose slot is free is won again and recorded', async () => {
  const place = `承诺地-${phone().slice(-4)}`;
  const [taker, promised, lucky] = await plannersOf(place, 3);
  const full = (await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 1 }))).body.id;
  const free = (await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 1 }))).body.id;
  expect((await planner(h.app.url, h.app.ctx, taker).grab(full)).status).toBe(201);

  // Two promises whose journal Redis no longer has (as after a Redis loss): one slot is gone, one is free.
  const lost = randomUUID();
  const kept = randomUUID();
  keepPromise(h.app.ctx, lost, { requirementId: full, plannerId: promised, channel: 'h5', grab });
  keepPromise(h.app.ctx, kept, { requirementId: free, plannerId: lucky, channel: 'h5', grab });
  await until(() => promisesKept(h.app.ctx) === 0);

  const told = await until(() => h.app.ctx.db.message.findFirst({ where: { kind: 'grab-unconfirmed', plannerId: promised } }));
  expect(JSON.stringify(told.data)).toContain('名额未能保留');
  expect(await h.app.ctx.db.workOrder.findUnique({ where: { id: lost } })).toBeNull();
  const wo = await h.app.ctx.db.workOrder.findUniqueOrThrow({ where: { id: kept } });
  expect([wo.plannerId, wo.requirementId, wo.status]).toEqual([lucky, free, 'active']);
  await until(() => h.app.ctx.db.message.findFirst({ where: { kind: 'won', plannerId: lucky } }));
});
