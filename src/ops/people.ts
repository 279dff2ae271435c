/** Ops' lists of planners and suppliers, and a planner's record (how they work, measured). */

import type { Tier } from '../config.js';
import type { Ctx } from '../context.js';
import { DomainError } from '../errors.js';
import type { Prisma } from '../generated/prisma/client.js';
import { maskPhone } from '../log.js';
import { paged } from './paging.js';

export interface PlannerFilter {
  q?: string;
  tier?: Tier;
  status?: 'active' | 'suspended';
  supplierId?: number;
  page: number;
  perPage: number;
}

export async function listPlanners(ctx: Ctx, f: PlannerFilter) {
  const where: Prisma.PlannerWhereInput = {
    ...(f.tier ? { tier: f.tier } : {}),
    ...(f.status ? { status: f.status } : {}),
    ...(f.supplierId ? { supplierId: f.supplierId } : {}),
    ...(f.q
      ? {
          OR: [
            { name: { contains: f.q } },
            { phone: { contains: f.q } },
            { destinations: { has: f.q } },
            { supplier: { name: { contains: f.q } } },
          ],
        }
      : {}),
  };
  const { total, rows } = await paged(
    f,
    () => ctx.db.planner.count({ where }),
    (page) =>
      ctx.db.planner.findMany({
        where,
        orderBy: { id: 'asc' },
        ...page,
        include: { supplier: { select: { name: true, status: true } } },
      }),
  );
  const load = await ctx.db.workOrder.groupBy({
    by: ['plannerId'],
    where: { plannerId: { in: rows.map((p) => p.id) }, status: { in: ['active', 'proposed'] } },
    _count: { _all: true },
  });
  return {
    total,
    page: f.page,
    perPage: f.perPage,
    items: rows.map((p) => ({
      id: p.id,
      name: p.name,
      phone: maskPhone(p.phone) ?? '',
      tier: p.tier,
      supplierId: p.supplierId,
      supplier: p.supplier.name,
      supplierStatus: p.supplier.status,
      destinations: p.destinations,
      maxActive: p.maxActive,
      dailyQuota: p.dailyQuota,
      status: p.status,
      statusReason: p.statusReason,
      bound: p.openid !== null,
      unreachable: p.unreachableAt !== null,
      load: load.find((l) => l.plannerId === p.id)?._count._all ?? 0,
    })),
  };
}

export async function listSuppliers(ctx: Ctx) {
  const rows = await ctx.db.supplier.findMany({
    orderBy: { id: 'asc' },
    include: { planners: { select: { status: true } } },
  });
  return rows.map((s) => ({
    id: s.id,
    name: s.name,
    status: s.status,
    statusReason: s.statusReason,
    planners: s.planners.length,
    activePlanners: s.planners.filter((p) => p.status === 'active').length,
  }));
}

/** A planner's record over the last `days` days: wins, proposals, conversion, expiries, speed, load, who blocks them. */
export async function plannerRecord(ctx: Ctx, id: number, days = 90) {
  const p = await ctx.db.planner.findUnique({ where: { id }, include: { supplier: true } });
  if (!p) throw new DomainError('PLANNER_NOT_FOUND');
  const since = new Date(ctx.now() - days * 86_400_000);
  const [row] = await ctx.db.$queryRaw<
    {
      won: number;
      declined: number;
      proposed: number;
      chosen: number;
      decided: number;
      expired: number;
      median_hours: number | null;
      load: number;
    }[]
  >`
    SELECT count(*) FILTER (WHERE grabbed_at >= ${since} AND status <> 'declined'
                              AND NOT (channel = 'dispatch' AND accepted_at IS NULL AND status = 'active'))::int AS won,
           count(*) FILTER (WHERE grabbed_at >= ${since} AND status = 'declined')::int AS declined,
           count(*) FILTER (WHERE grabbed_at >= ${since} AND proposed_at IS NOT NULL)::int AS proposed,
           count(*) FILTER (WHERE grabbed_at >= ${since} AND status = 'chosen')::int AS chosen,
           count(*) FILTER (WHERE grabbed_at >= ${since} AND (status = 'chosen' OR (status = 'closed' AND proposed_at IS NOT NULL)))::int AS decided,
           count(*) FILTER (WHERE grabbed_at >= ${since} AND status = 'expired')::int AS expired,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM proposed_at - grabbed_at) / 3600)
             FILTER (WHERE grabbed_at >= ${since} AND proposed_at IS NOT NULL)::float8 AS median_hours,
           count(*) FILTER (WHERE status IN ('active', 'proposed'))::int AS load
      FROM work_orders WHERE planner_id = ${id}`;
  const [recent, blockedBy, grades] = await Promise.all([
    ctx.db.workOrder.findMany({
      where: { plannerId: id },
      orderBy: { grabbedAt: 'desc' },
      take: 20,
      include: { requirement: { select: { code: true, destinations: true } } },
    }),
    ctx.db.requirement.findMany({
      where: { OR: [{ blockedPlannerIds: { has: id } }, { blockedSupplierIds: { has: p.supplierId } }] },
      orderBy: { id: 'desc' },
      take: 20,
      select: { id: true, code: true, blockedPlannerIds: true },
    }),
    ctx.db.gradingMove.findMany({ where: { plannerId: id, appliedAt: { not: null } }, orderBy: { appliedAt: 'desc' }, take: 10 }),
  ]);
  const { openid, bindCode, ...rest } = p;
  return {
    ...rest,
    phone: maskPhone(rest.phone) ?? '',
    bound: openid !== null,
    bindCode: openid ? null : bindCode,
    supplier: { id: p.supplier.id, name: p.supplier.name, status: p.supplier.status },
    record: {
      days,
      won: row.won,
      /** Dispatches declined or left unanswered: neither wins nor missed deadlines. */
      declined: row.declined,
      proposed: row.proposed,
      chosen: row.chosen,
      conversion: row.decided ? Math.round((row.chosen / row.decided) * 1000) / 1000 : null,
      expired: row.expired,
      medianHoursToProposal: row.median_hours === null ? null : Math.round(row.median_hours * 10) / 10,
      load: row.load,
      maxActive: p.maxActive,
    },
    recent: recent.map((w) => ({
      id: w.id,
      requirementId: w.requirementId,
      code: w.requirement.code,
      destinations: w.requirement.destinations,
      status: w.status,
      channel: w.channel,
      grabbedAt: w.grabbedAt,
    })),
    blockedBy: blockedBy.map((r) => ({ id: r.id, code: r.code, who: r.blockedPlannerIds.includes(id) ? 'planner' : 'supplier' })),
    tierHistory: grades.map((g) => ({ runId: g.runId, from: g.fromTier, to: g.toTier, at: g.appliedAt })),
  };
}

/** A planner's phone in full, for the person who asked (recorded by the audited POST that calls it). */
export async function plannerPhone(ctx: Ctx, id: number) {
  const p = await ctx.db.planner.findUnique({ where: { id }, select: { phone: true } });
  if (!p) throw new DomainError('PLANNER_NOT_FOUND');
  return { phone: p.phone };
}
