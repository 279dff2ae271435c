/**
 * The hot grab state in Redis is a cache of PostgreSQL, the system of record. These functions
 * (re)build it: lazily when a script answers "not loaded" (-100), and for everything live at boot,
 * so an emptied or lost Redis costs a rebuild. A grab is answered as won only after its work
 * order is in PostgreSQL (journal.ts), so a rebuild never forgets a win anyone was told about.
 */

import type { Ctx } from '../context.js';
import { chinaDayStart, isoDay } from '../format.js';
import type { Card } from '../shared/wire.js';

export type { Card };

import { dayKey, plannerKeys, plannerOpenids, requirementCodes, requirementKeys } from './keys.js';

const LIVE = ['active', 'proposed', 'chosen'] as const;
const HELD = ['active', 'proposed'] as const;

type CardSource = Omit<Card, 'departDate' | 'returnDate'> & { departDate: Date; returnDate: Date };

/** What a requirement is, as every page and pool card shows it (dates as YYYY-MM-DD). */
export function cardOf(r: CardSource): Card {
  return {
    code: r.code,
    subject: r.subject,
    company: r.company,
    origin: r.origin,
    destinations: r.destinations,
    departDate: isoDay(r.departDate),
    returnDate: isoDay(r.returnDate),
    adults: r.adults,
    children: r.children,
    budgetFen: r.budgetFen,
    budgetType: r.budgetType,
    notes: r.notes,
  };
}

/** Loads one requirement into Redis if absent. Returns false when PostgreSQL has no such requirement. */
export async function ensureRequirement(ctx: Ctx, id: number): Promise<boolean> {
  const r = await ctx.db.requirement.findUnique({
    where: { id },
    include: { traveler: true, candidates: true, releases: true, workOrders: true },
  });
  if (!r) return false;
  const live = r.workOrders.filter((w) => (LIVE as readonly string[]).includes(w.status));
  const card = cardOf(r);
  // Open or full is what the work orders say, not what was last stored (a lost write may have left `full`
  // with slots free); the reconciler then writes the corrected status back.
  const status = r.status === 'open' || r.status === 'full' ? (live.length >= r.plannersWanted ? 'full' : 'open') : r.status;
  const meta: Record<string, string | number> = {
    status,
    wanted: r.plannersWanted,
    filled: live.length,
    released: r.releases.map((x) => x.tier).join(''),
    minTier: r.minTier,
    traveler: r.traveler.id,
    travelerPhone: r.contactPhone,
    travelerOpenid: r.traveler.openid ?? '',
    contact: JSON.stringify({ name: r.contactName, phone: r.contactPhone }),
    card: JSON.stringify(card),
    createdAt: r.createdAt.getTime(),
  };
  for (const x of r.releases) meta[`rel${x.tier}`] = x.releasedAt.getTime();
  if (r.fullAt) meta.fullAt = r.fullAt.getTime();
  const state = {
    meta,
    candidates: Object.fromEntries(r.candidates.map((c) => [c.plannerId, c.tier])),
    planners: Object.fromEntries(live.map((w) => [w.plannerId, w.id])),
    suppliers: Object.fromEntries(live.map((w) => [w.supplierId, w.id])),
    // Let expire, or declined when offered: not theirs to grab again (rule 12).
    expired: r.workOrders.filter((w) => w.status === 'expired' || w.status === 'declined').map((w) => String(w.plannerId)),
    blocked: [...r.blockedPlannerIds.map((p) => `p:${p}`), ...r.blockedSupplierIds.map((s) => `s:${s}`)],
    journal: Object.fromEntries(
      live.map((w) => [
        w.id,
        JSON.stringify({ plannerId: w.plannerId, supplierId: w.supplierId, channel: w.channel, at: w.grabbedAt.getTime() }),
      ]),
    ),
  };
  await ctx.lua.restoreRequirement(requirementKeys(id), { state: JSON.stringify(state) });
  await ctx.redis.hset(requirementCodes, r.code, r.id);
  return true;
}

/** Loads one planner into Redis if absent. Returns false when PostgreSQL has no such planner. */
/** `pools`: every planner's candidacies of open requirements, read once for all (loadAll); else this planner's are read. */
export async function ensurePlanner(
  ctx: Ctx,
  id: number,
  pools?: Map<number, { requirementId: number; score: number }[]>,
): Promise<boolean> {
  const now = ctx.now();
  const p = await ctx.db.planner.findUnique({ where: { id }, include: { supplier: true } });
  if (!p) return false;
  const dayStart = chinaDayStart(now);
  const [held, winsToday, pool] = await Promise.all([
    ctx.db.workOrder.findMany({ where: { plannerId: id, status: { in: [...HELD] } }, select: { id: true, requirementId: true } }),
    ctx.db.workOrder.count({ where: { plannerId: id, grabbedAt: { gte: dayStart }, channel: { not: 'dispatch' } } }),
    pools
      ? (pools.get(id) ?? [])
      : ctx.db.candidate.findMany({
          where: { plannerId: id, requirement: { status: { in: ['open', 'full'] } } },
          select: { requirementId: true, score: true },
        }),
  ]);
  const state = {
    meta: plannerMeta(p),
    active: Object.fromEntries(held.map((w) => [w.requirementId, w.id])),
    winsToday,
    pool: Object.fromEntries(pool.map((c) => [c.requirementId, c.score])),
  };
  const k = plannerKeys(id, dayKey(now));
  await ctx.lua.restorePlanner(k, { state: JSON.stringify(state) });
  if (p.openid) await ctx.redis.hset(plannerOpenids, p.openid, id);
  return true;
}

type PlannerRow = {
  destinations: string[];
  status: string;
  openid: string | null;
  supplierId: number;
  supplier: { status: string };
  tier: string;
  maxActive: number;
  dailyQuota: number | null;
  phone: string;
};

/** The planner fields the reservation script reads (and the scope a refusal explains itself by). */
export function plannerMeta(p: PlannerRow): Record<string, string | number> {
  return {
    destinations: JSON.stringify(p.destinations),
    status: p.status,
    bound: p.openid ? 1 : 0,
    supplierId: p.supplierId,
    supplierStatus: p.supplier.status,
    tier: p.tier,
    maxActive: p.maxActive,
    dailyQuota: p.dailyQuota ?? '',
    phone: p.phone,
    openid: p.openid ?? '',
  };
}

/** After ops change a planner or its supplier: overwrite the cached fields (load them if absent). */
export async function refreshPlanner(ctx: Ctx, id: number): Promise<void> {
  const p = await ctx.db.planner.findUnique({ where: { id }, include: { supplier: true } });
  if (!p) return;
  const k = plannerKeys(id, dayKey(ctx.now()));
  const previous = await ctx.redis.hget(k.meta, 'openid');
  if (previous && previous !== p.openid) await ctx.redis.hdel(plannerOpenids, previous);
  if (previous !== null) await ctx.redis.hset(k.meta, plannerMeta(p));
  else await ensurePlanner(ctx, id);
  if (p.openid) await ctx.redis.hset(plannerOpenids, p.openid, id);
}

/**
 * After a traveler's trips changed hands (a verified phone joined ops' trips to a WeChat user): who
 * owns them follows in the cache. Their contact does not change: it is each trip's own.
 */
export async function refreshTravelerOf(ctx: Ctx, travelerId: number): Promise<void> {
  const rows = await ctx.db.requirement.findMany({ where: { travelerId }, select: { id: true, traveler: true } });
  for (const r of rows) {
    const k = requirementKeys(r.id).meta;
    if (!(await ctx.redis.exists(k))) continue; // not hot: loaded from PostgreSQL when needed
    await ctx.redis.hset(k, { traveler: r.traveler.id, travelerOpenid: r.traveler.openid ?? '' });
  }
}

/** Trips whose contact was erased (an account deleted, the retention rule): the hot copies forget it too. */
export async function forgetContact(ctx: Ctx, requirementIds: number[], travelerGone: boolean): Promise<void> {
  for (const id of requirementIds) {
    const k = requirementKeys(id).meta;
    if (!(await ctx.redis.exists(k))) continue; // not hot: loaded from PostgreSQL, already without it
    await ctx.redis.hset(k, {
      contact: JSON.stringify({ name: ERASED_NAME, phone: '' }),
      travelerPhone: '',
      ...(travelerGone ? { travelerOpenid: '' } : {}),
    });
  }
}

/** What an erased name reads as, everywhere. */
export const ERASED_NAME = '已注销';

/** The traveler of a requirement, from Redis, falling back to PostgreSQL (state loaded before it was kept). */
export async function travelerOf(ctx: Ctx, requirementId: number): Promise<number | null> {
  const hot = await ctx.redis.hget(requirementKeys(requirementId).meta, 'traveler');
  if (hot) return Number(hot);
  const r = await ctx.db.requirement.findUnique({ where: { id: requirementId }, select: { travelerId: true } });
  return r?.travelerId ?? null;
}

/** The planner bound to a WeChat openid, from Redis, falling back to PostgreSQL. */
export async function plannerIdByOpenid(ctx: Ctx, openid: string): Promise<number | null> {
  const hot = await ctx.redis.hget(plannerOpenids, openid);
  if (hot) return Number(hot);
  const p = await ctx.db.planner.findUnique({ where: { openid }, select: { id: true } });
  if (p) await ctx.redis.hset(plannerOpenids, openid, p.id);
  return p?.id ?? null;
}

/** Boot: make sure every live requirement and every planner is in Redis (after a wipe, all are rebuilt). */
/** Requirements or planners loaded side by side at boot (a pool of 16 connections serves them). */
const LOAD_CONCURRENCY = 8;

export async function loadAll(ctx: Ctx): Promise<{ requirements: number; planners: number }> {
  const reqs = await ctx.db.requirement.findMany({ where: { status: { in: ['open', 'full'] } }, select: { id: true } });
  const planners = await ctx.db.planner.findMany({ select: { id: true } });
  const day = dayKey(ctx.now());
  // Which are absent, in one pipelined pass; then load only those.
  const absent = async (ids: number[], key: (id: number) => string) => {
    const present = await Promise.all(ids.map((id) => ctx.redis.exists(key(id))));
    return ids.filter((_, i) => !present[i]);
  };
  // Several at a time (each is a few reads of PostgreSQL and one script): thousands of open
  // requirements and planners after a Redis loss load in seconds, not minutes.
  const loadEach = async (ids: number[], load: (id: number) => Promise<boolean>) => {
    let loaded = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(LOAD_CONCURRENCY, ids.length) }, async () => {
        while (next < ids.length) if (await load(ids[next++])) loaded++;
      }),
    );
    return loaded;
  };
  const loadedReqs = await loadEach(
    await absent(
      reqs.map((r) => r.id),
      (id) => requirementKeys(id).meta,
    ),
    (id) => ensureRequirement(ctx, id),
  );
  // Every planner's pool in one read: open requirements are few, a year's candidacies are not
  // (read per planner, each walked its whole history).
  const missing = await absent(
    planners.map((p) => p.id),
    (id) => plannerKeys(id, day).meta,
  );
  const pools = new Map<number, { requirementId: number; score: number }[]>();
  if (missing.length)
    for (const c of await ctx.db.candidate.findMany({
      where: { requirement: { status: { in: ['open', 'full'] } } },
      select: { plannerId: true, requirementId: true, score: true },
    })) {
      const list = pools.get(c.plannerId);
      if (list) list.push(c);
      else pools.set(c.plannerId, [c]);
    }
  const loadedPlanners = await loadEach(missing, (id) => ensurePlanner(ctx, id, pools));
  return { requirements: loadedReqs, planners: loadedPlanners };
}
