/** Matching against real data: who is kept, and in which order (the score's history terms). */
import { expect, it } from 'vitest';
import { match } from '../../src/grab/matching.js';
import { withEngine } from '../factories.js';
import { phone } from '../support.js';

const t = withEngine({}, { workers: false });

it('keeps in-scope, active planners of active suppliers at or above the minimum tier, best score first', async () => {
  const db = t.ctx.db;
  const [ok, off] = [
    await db.supplier.create({ data: { name: 'm-ok' } }),
    await db.supplier.create({ data: { name: 'm-off', status: 'suspended' } }),
  ];
  const mk = (name: string, tier: 'S' | 'A' | 'B' | 'C', over: Record<string, unknown> = {}) =>
    db.planner.create({ data: { supplierId: ok.id, name, phone: phone(), tier, destinations: ['清迈'], maxActive: 4, ...over } });
  const star = await mk('star', 'A');
  const slow = await mk('slow', 'A');
  const busy = await mk('busy', 'A');
  const s = await mk('s', 'S');
  const c = await mk('c', 'C');
  await mk('scope', 'S', { destinations: ['北海道'] });
  await mk('suspended', 'S', { status: 'suspended' });
  await mk('supplier-off', 'S', { supplierId: off.id });
  const blocked = await mk('blocked', 'S');

  // History: star converts and answers fast, slow answers slowly, busy is at 3 of 4 active slots.
  const traveler = await db.traveler.create({ data: { name: 't', phone: phone() } });
  const base = {
    travelerId: traveler.id,
    subject: 'individual' as const,
    origin: '上海',
    destinations: ['清迈'],
    departDate: new Date('2027-01-01'),
    returnDate: new Date('2027-01-05'),
    adults: 1,
    children: 0,
    budgetFen: 100_000,
    plannersWanted: 3,
    contactName: '旅客',
    contactPhone: '13900000009',
  };
  let k = 0;
  const order = async (plannerId: number, status: 'chosen' | 'closed' | 'active', hours: number | null) => {
    const r = await db.requirement.create({ data: { ...base, code: `M${++k}` } });
    const grabbedAt = new Date(Date.now() - 86_400_000);
    await db.workOrder.create({
      data: {
        id: `m-${k}`,
        requirementId: r.id,
        plannerId,
        supplierId: ok.id,
        channel: 'h5',
        status,
        grabbedAt,
        deadlineAt: grabbedAt,
        proposedAt: hours === null ? null : new Date(grabbedAt.getTime() + hours * 3_600_000),
      },
    });
  };
  for (let i = 0; i < 4; i++) await order(star.id, 'chosen', 1);
  for (let i = 0; i < 4; i++) await order(slow.id, 'closed', 20);
  for (let i = 0; i < 3; i++) await order(busy.id, 'active', null);

  const all = await match(t.ctx, {
    destinations: ['清迈', '曼谷'],
    minTier: 'C',
    blockedPlannerIds: [blocked.id],
    blockedSupplierIds: [],
  });
  // star A: .3 + .25·5/9 + .2·23/24 + .15 = .781 — a proven A outranks an unproven S
  // s    S: .4 + .25·1/5 + .2·.5   + .15 = .700
  // slow A: .3 + .25·1/9 + .2·4/24  + .15 = .511
  // busy A: .3 + .25·1/5 + .2·.5   + .15·1/4 = .488
  // c    C: .1 + .25·1/5 + .2·.5   + .15 = .400
  expect(all.map((x) => x.plannerId)).toEqual([star.id, s.id, slow.id, busy.id, c.id]);
  expect(all.map((x) => x.score)).toEqual([0.7806, 0.7, 0.5111, 0.4875, 0.4]);

  const enterprise = await match(t.ctx, { destinations: ['清迈'], minTier: 'A', blockedPlannerIds: [], blockedSupplierIds: [ok.id] });
  expect(enterprise).toEqual([]); // the whole supplier is blocked
  const aUp = await match(t.ctx, { destinations: ['清迈'], minTier: 'A', blockedPlannerIds: [], blockedSupplierIds: [] });
  expect(aUp.map((x) => x.plannerId)).not.toContain(c.id);
  expect(aUp.map((x) => x.tier).every((t) => t === 'S' || t === 'A')).toBe(true);
});
