/**
 * Matching: which planners may grab a requirement, and in what order they are preferred.
 *
 * Eligible: planner and supplier active; the planner serves at least one of the destinations;
 * tier at or above the requirement's minimum; not blocked by the traveler.
 *
 * score = 0.40·tier + 0.25·conversion + 0.20·speed + 0.15·(1 − load), each term in [0, 1]:
 *   tier        S 1 · A 0.75 · B 0.5 · C 0.25 (ops' grading carries the most weight)
 *   conversion  (chosen + 1) / (decided + 5) over the last 90 days: smoothed, so a new planner
 *               starts near 0.2 instead of 0 or 1 after a single result
 *   speed       1 − min(mean hours from grab to proposal, 24) / 24; 0.5 with no history
 *   load        min(active work orders / maxActive, 1)
 * Ties go to the lower planner id (stable). At most MATCH_LIMIT are kept.
 */

import type { Tier } from '../config.js';
import type { Ctx } from '../context.js';
import { dayKey, plannerKeys, requirementKeys } from './keys.js';

const TIER_WEIGHT: Record<Tier, number> = { S: 1, A: 0.75, B: 0.5, C: 0.25 };
const TIER_RANK: Record<Tier, number> = { S: 1, A: 2, B: 3, C: 4 };

export interface Stats {
  chosen: number;
  decided: number;
  meanHoursToProposal: number | null;
  active: number;
  maxActive: number;
}

export function score(tier: Tier, s: Stats): number {
  const conversion = (s.chosen + 1) / (s.decided + 5);
  const speed = s.meanHoursToProposal === null ? 0.5 : 1 - Math.min(s.meanHoursToProposal, 24) / 24;
  const load = s.maxActive > 0 ? Math.min(s.active / s.maxActive, 1) : 1;
  return 0.4 * TIER_WEIGHT[tier] + 0.25 * conversion + 0.2 * speed + 0.15 * (1 - load);
}

export function tierAllowed(tier: Tier, minTier: Tier): boolean {
  return TIER_RANK[tier] <= TIER_RANK[minTier];
}

export interface Candidate {
  plannerId: number;
  tier: Tier;
  score: number;
}

export interface MatchInput {
  destinations: string[];
  minTier: Tier;
  blockedPlannerIds: number[];
  blockedSupplierIds: number[];
}

export async function match(ctx: Ctx, req: MatchInput): Promise<Candidate[]> {
  const planners = await ctx.db.planner.findMany({
    where: {
      status: 'active',
      supplier: { status: 'active' },
      destinations: { hasSome: req.destinations },
      id: { notIn: req.blockedPlannerIds },
      supplierId: { notIn: req.blockedSupplierIds },
    },
    select: { id: true, tier: true, maxActive: true },
  });
  const eligible = planners.filter((p) => tierAllowed(p.tier, req.minTier));
  if (eligible.length === 0) return [];
  const stats = await statsOf(
    ctx,
    eligible.map((p) => p.id),
  );
  return eligible
    .map((p) => {
      return { plannerId: p.id, tier: p.tier, score: scoreOf(p, stats.get(p.id)) };
    })
    .sort((a, b) => b.score - a.score || a.plannerId - b.plannerId)
    .slice(0, ctx.config.MATCH_LIMIT);
}

type StatsRow = { planner_id: number; chosen: number; decided: number; hours: number | null; active: number };

/** The measured part of the score, for these planners (90 days; current load). */
async function statsOf(ctx: Ctx, ids: number[]): Promise<Map<number, StatsRow>> {
  const since = new Date(ctx.now() - 90 * 86_400_000);
  const rows = await ctx.db.$queryRaw<StatsRow[]>`
    SELECT planner_id,
           count(*) FILTER (WHERE status = 'chosen' AND grabbed_at >= ${since})::int AS chosen,
           count(*) FILTER (WHERE status IN ('chosen', 'closed') AND grabbed_at >= ${since})::int AS decided,
           avg(extract(epoch FROM proposed_at - grabbed_at) / 3600) FILTER (WHERE proposed_at IS NOT NULL AND grabbed_at >= ${since})::float8 AS hours,
           count(*) FILTER (WHERE status IN ('active', 'proposed'))::int AS active
      FROM work_orders WHERE planner_id = ANY(${ids}::int[]) GROUP BY planner_id`;
  return new Map(rows.map((r) => [r.planner_id, r]));
}

function scoreOf(p: { tier: Tier; maxActive: number }, s: StatsRow | undefined): number {
  const value = score(p.tier, {
    chosen: s?.chosen ?? 0,
    decided: s?.decided ?? 0,
    meanHoursToProposal: s?.hours ?? null,
    active: s?.active ?? 0,
    maxActive: p.maxActive,
  });
  return Math.round(value * 10_000) / 10_000;
}

/**
 * Matching after intake: a planner created or re-scoped (destinations, tier, status) while
 * requirements are open becomes their candidate for the tiers not yet released, as if matched at
 * intake (same eligibility, same score); a re-tiered candidate moves with their tier while neither
 * tier is released. A tier already released stays as it was: its planners have been told. Returns
 * the requirements the planner was added to or moved in.
 */
export async function rematchPlanner(ctx: Ctx, plannerId: number): Promise<number[]> {
  const p = await ctx.db.planner.findUnique({ where: { id: plannerId }, include: { supplier: { select: { status: true } } } });
  if (p?.status !== 'active' || p.supplier.status !== 'active') return [];
  const open = await ctx.db.$queryRaw<{ id: number; min_tier: Tier; released: string; cand_tier: Tier | null }[]>`
    SELECT r.id, r.min_tier, coalesce(string_agg(rel.tier::text, ''), '') AS released, c.tier AS cand_tier
      FROM requirements r
      LEFT JOIN releases rel ON rel.requirement_id = r.id
      LEFT JOIN candidates c ON c.requirement_id = r.id AND c.planner_id = ${plannerId}
     WHERE r.status = 'open' AND r.destinations && ${p.destinations}::text[]
       AND NOT (${plannerId} = ANY(r.blocked_planner_ids)) AND NOT (${p.supplierId} = ANY(r.blocked_supplier_ids))
     GROUP BY r.id, c.tier`;
  const todo = open.filter(
    (r) =>
      tierAllowed(p.tier, r.min_tier) &&
      !r.released.includes(p.tier) &&
      (r.cand_tier === null || (r.cand_tier !== p.tier && !r.released.includes(r.cand_tier))),
  );
  if (todo.length === 0) return [];
  const value = scoreOf(p, (await statsOf(ctx, [plannerId])).get(plannerId));
  for (const r of todo) {
    await ctx.db.candidate.upsert({
      where: { requirementId_plannerId: { requirementId: r.id, plannerId } },
      create: { requirementId: r.id, plannerId, tier: p.tier, score: value },
      update: { tier: p.tier, score: value },
    });
    // Hot only if already loaded (a requirement loaded later reads its candidates from PostgreSQL).
    const k = requirementKeys(r.id);
    if (await ctx.redis.exists(k.meta)) await ctx.redis.hset(k.candidates, String(plannerId), p.tier);
    await ctx.redis.zadd(plannerKeys(plannerId, dayKey(ctx.now())).pool, value, r.id);
  }
  return todo.map((r) => r.id);
}
