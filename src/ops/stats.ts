/**
 * The numbers behind the dashboard, from PostgreSQL: the funnel over a range of China dates (what
 * GET /api/ops/stats/funnel answers, CONTRACT), its days one by one for the charts, time to first
 * grab by tier, the share of wins by long-tail suppliers, and today's board.
 */

import { TIERS, type Tier } from '../config.js';
import type { Ctx } from '../context.js';
import { chinaDate, chinaDateEnd as endOf, chinaDateStart as startOf } from '../format.js';
import { notifyPause } from '../notify/index.js';
import { candidateCounts } from './requirements.js';

/** A supplier with at most this many active planners is "long tail": the seed's small suppliers. */
export const LONG_TAIL_MAX_PLANNERS = 3;

interface Quantiles {
  p50: number | null;
  p90: number | null;
  n: number;
}

export async function funnel(ctx: Ctx, from: string, to: string) {
  const [lo, hi] = [startOf(from), endOf(to)];
  // The three side by side; each walks only its days' rows, by index (a year of rows behind them:
  // bench-results/year.json). A requirement's work orders are read once, for grabbed and proposed.
  const daysQuery = ctx.db.$queryRaw<
    { day: string; requirements: number; grabbed: number; proposed: number; chosen: number; paid: number }[]
  >`
    SELECT to_char(r.created_at AT TIME ZONE 'UTC' AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS day,
           count(*)::int AS requirements,
           count(*) FILTER (WHERE w.grabbed)::int AS grabbed,
           count(*) FILTER (WHERE w.proposed)::int AS proposed,
           count(*) FILTER (WHERE r.status IN ('chosen', 'paid'))::int AS chosen,
           count(*) FILTER (WHERE r.status = 'paid')::int AS paid
      FROM requirements r
      LEFT JOIN LATERAL (
        SELECT true AS grabbed, bool_or(proposed_at IS NOT NULL) AS proposed FROM work_orders WHERE requirement_id = r.id HAVING count(*) > 0
      ) w ON true
     WHERE r.created_at >= ${lo} AND r.created_at < ${hi}
     GROUP BY 1 ORDER BY 1`;
  // Time to first grab per tier: from a tier's release to the first slot taken by a planner of that
  // tier. Driven by the range's work orders (their grab time is indexed; a grab comes within a day of
  // its release), each joined to its candidacy and its release by key.
  const firstsQuery = ctx.db.$queryRaw<{ tier: Tier; day: string; seconds: number }[]>`
    SELECT rel.tier, to_char(rel.released_at AT TIME ZONE 'UTC' AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS day,
           extract(epoch FROM min(w.grabbed_at) - rel.released_at)::float8 AS seconds
      FROM work_orders w
      JOIN candidates c ON c.requirement_id = w.requirement_id AND c.planner_id = w.planner_id
      JOIN releases rel ON rel.requirement_id = w.requirement_id AND rel.tier = c.tier
     WHERE w.grabbed_at >= ${lo} AND w.grabbed_at < ${new Date(hi.getTime() + 86_400_000)} AND w.channel <> 'dispatch'
       AND rel.released_at >= ${lo} AND rel.released_at < ${hi}
     GROUP BY rel.requirement_id, rel.tier, rel.released_at`;
  const winsQuery = ctx.db.$queryRaw<{ total: number; long_tail: number }[]>`
    WITH size AS (SELECT supplier_id, count(*) FILTER (WHERE status = 'active') AS n FROM planners GROUP BY supplier_id)
    SELECT count(*)::int AS total, count(*) FILTER (WHERE coalesce(size.n, 0) <= ${LONG_TAIL_MAX_PLANNERS})::int AS long_tail
      FROM work_orders w LEFT JOIN size ON size.supplier_id = w.supplier_id
     WHERE w.grabbed_at >= ${lo} AND w.grabbed_at < ${hi} AND w.status NOT IN ('expired', 'declined')`;
  const [days, firsts, wins] = await Promise.all([daysQuery, firstsQuery, winsQuery]);

  const sum = (k: 'requirements' | 'grabbed' | 'proposed' | 'chosen' | 'paid') => days.reduce((s, d) => s + d[k], 0);
  const firstGrabSecondsByTier = Object.fromEntries(
    TIERS.map((t) => [t, quantiles(firsts.filter((f) => f.tier === t).map((f) => f.seconds))]),
  ) as Record<Tier, Quantiles>;
  const { total, long_tail } = wins[0] ?? { total: 0, long_tail: 0 };
  return {
    from,
    to,
    requirements: sum('requirements'),
    grabbed: sum('grabbed'),
    proposed: sum('proposed'),
    chosen: sum('chosen'),
    paid: sum('paid'),
    firstGrabSecondsByTier,
    wins: total,
    longTailWins: long_tail,
    longTailShare: total ? Math.round((long_tail / total) * 1000) / 1000 : null,
    days: everyDay(from, to).map((day) => {
      const d = days.find((x) => x.day === day);
      const byTier = Object.fromEntries(
        TIERS.map((t) => [t, quantiles(firsts.filter((f) => f.tier === t && f.day === day).map((f) => f.seconds)).p50]),
      );
      return {
        day,
        requirements: d?.requirements ?? 0,
        grabbed: d?.grabbed ?? 0,
        proposed: d?.proposed ?? 0,
        chosen: d?.chosen ?? 0,
        paid: d?.paid ?? 0,
        firstGrabP50ByTier: byTier,
      };
    }),
  };
}

function quantiles(xs: number[]): Quantiles {
  if (xs.length === 0) return { p50: null, p90: null, n: 0 };
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => Math.round(s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] * 10) / 10;
  return { p50: at(0.5), p90: at(0.9), n: s.length };
}

function everyDay(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = startOf(from).getTime(); t < endOf(to).getTime() && out.length < 400; t += 86_400_000) out.push(chinaDate(t));
  return out;
}

/** Today's board: new requirements, fill rate, first grab by tier, proposals due soon, flagged requirements. */
export async function today(ctx: Ctx, dueWithinHours = 6) {
  const day = chinaDate(ctx.now());
  const [f, fill, due, flagged, paused] = await Promise.all([
    funnel(ctx, day, day),
    ctx.db.$queryRaw<{ wanted: number; held: number }[]>`
      SELECT coalesce(sum(r.planners_wanted), 0)::int AS wanted,
             coalesce(sum((SELECT count(*) FROM work_orders w WHERE w.requirement_id = r.id AND w.status NOT IN ('expired', 'declined'))), 0)::int AS held
        FROM requirements r WHERE r.created_at >= ${startOf(day)}`,
    ctx.db.workOrder.findMany({
      where: { status: 'active', deadlineAt: { lte: new Date(ctx.now() + dueWithinHours * 3_600_000) } },
      orderBy: { deadlineAt: 'asc' },
      take: 20,
      include: { planner: { select: { name: true } }, requirement: { select: { code: true } } },
    }),
    ctx.db.requirement.findMany({
      where: { status: 'open', flaggedAt: { not: null } },
      orderBy: { flaggedAt: 'asc' },
      take: 20,
      select: { id: true, code: true, destinations: true, flaggedAt: true, plannersWanted: true },
    }),
    notifyPause(ctx),
  ]);
  const candidates = await candidateCounts(
    ctx,
    flagged.map((r) => r.id),
  );
  const { wanted, held } = fill[0];
  return {
    day,
    newRequirements: f.requirements,
    fillRate: wanted ? Math.round((held / wanted) * 1000) / 1000 : null,
    slots: { wanted, held },
    firstGrabSecondsByTier: f.firstGrabSecondsByTier,
    proposalsDue: due.map((w) => ({
      workOrderId: w.id,
      requirementId: w.requirementId,
      code: w.requirement.code,
      planner: w.planner.name,
      deadlineAt: w.deadlineAt,
    })),
    flagged: flagged.map((r) => ({
      id: r.id,
      code: r.code,
      destinations: r.destinations,
      flaggedAt: r.flaggedAt,
      why: !candidates.get(r.id) ? ('no-planners' as const) : ('slots-left' as const),
    })),
    /** Template messages paused (WeChat 45009: the day's quota spent), until when. */
    notify: paused ? { paused: true, since: new Date(paused.since), until: new Date(paused.until) } : { paused: false },
  };
}
