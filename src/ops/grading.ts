/**
 * Tier grading runs: measure every active planner over the window, keep the proposed moves as a run
 * (the preview), and let ops apply all or some of them. Applying re-checks that the planner is
 * still at the tier the run measured (a run does not undo an edit made since), changes the tier the
 * way an ops edit does (hot state, matching for tiers not yet released), tells the planner, and
 * keeps the history. A BullMQ job scheduler makes a run on GRADING_CRON (China time).
 */
import { Queue, Worker } from 'bullmq';
import type { Tier } from '../config.js';
import type { Ctx, Workers } from '../context.js';
import { DomainError } from '../errors.js';
import { queuePrefix } from '../infra/keys.js';
import type { RedisClient } from '../infra/redis.js';
import { type Behaviour, grade } from './grading-formula.js';
import { updatePlanner } from './marketplace.js';

export const GRADING_QUEUE = 'grading';

type Row = {
  id: number;
  tier: Tier;
  won: number;
  expired: number;
  chosen: number;
  decided: number;
  median_hours: number | null;
  releases: number;
  answered: number;
};

/** Every active planner's behaviour over the last `days` days. */
export async function measure(ctx: Ctx, days: number): Promise<Row[]> {
  const since = new Date(ctx.now() - days * 86_400_000);
  return ctx.db.$queryRaw<Row[]>`
    WITH wo AS (
      SELECT planner_id,
             count(*) FILTER (WHERE status <> 'declined' AND NOT (channel = 'dispatch' AND accepted_at IS NULL AND status = 'active'))::int AS won,
             count(*) FILTER (WHERE status = 'expired')::int AS expired,
             count(*) FILTER (WHERE status = 'chosen')::int AS chosen,
             count(*) FILTER (WHERE status = 'chosen' OR (status = 'closed' AND proposed_at IS NOT NULL))::int AS decided,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM proposed_at - grabbed_at) / 3600)
               FILTER (WHERE proposed_at IS NOT NULL)::float8 AS median_hours
        FROM work_orders WHERE grabbed_at >= ${since} GROUP BY planner_id),
    rel AS (
      SELECT c.planner_id, count(*)::int AS releases,
             count(*) FILTER (WHERE EXISTS (SELECT 1 FROM grab_events g
                                             WHERE g.requirement_id = c.requirement_id AND g.planner_id = c.planner_id))::int AS answered
        FROM candidates c JOIN releases r ON r.requirement_id = c.requirement_id AND r.tier = c.tier
       WHERE r.released_at >= ${since} GROUP BY c.planner_id)
    SELECT p.id, p.tier, coalesce(wo.won, 0) AS won, coalesce(wo.expired, 0) AS expired, coalesce(wo.chosen, 0) AS chosen,
           coalesce(wo.decided, 0) AS decided, wo.median_hours, coalesce(rel.releases, 0) AS releases, coalesce(rel.answered, 0) AS answered
      FROM planners p LEFT JOIN wo ON wo.planner_id = p.id LEFT JOIN rel ON rel.planner_id = p.id
     WHERE p.status = 'active' ORDER BY p.id`;
}

const behaviour = (r: Row): Behaviour => ({
  won: r.won,
  expired: r.expired,
  chosen: r.chosen,
  decided: r.decided,
  medianHoursToProposal: r.median_hours,
  releases: r.releases,
  answered: r.answered,
});

/** A preview: a run holding every proposed move (planners who stay are not listed). */
export async function proposeGrading(ctx: Ctx, trigger: 'schedule' | 'manual', days = ctx.config.GRADING_WINDOW_DAYS) {
  const rows = await measure(ctx, days);
  const moves = rows
    .map((r) => ({ r, g: grade(r.tier, behaviour(r)) }))
    .filter(({ r, g }) => g.to !== r.tier)
    .map(({ r, g }) => ({
      plannerId: r.id,
      fromTier: r.tier,
      toTier: g.to,
      score: g.score,
      metrics: { ...behaviour(r), ...g.parts, why: g.why },
    }));
  const run = await ctx.db.gradingRun.create({
    data: { trigger, windowDays: days, moves: { create: moves } },
  });
  ctx.log.info({ run: run.id, measured: rows.length, moves: moves.length }, 'tier grading proposed');
  return gradingRun(ctx, run.id);
}

/**
 * Every measured planner's score as of now (a run keeps only its moves): what a run with nothing to
 * move still shows, so ops see why nobody moved. Highest first.
 */
export async function scoresNow(ctx: Ctx, days = ctx.config.GRADING_WINDOW_DAYS) {
  const rows = await measure(ctx, days);
  const names = new Map(
    (await ctx.db.planner.findMany({ where: { id: { in: rows.map((r) => r.id) } }, select: { id: true, name: true } })).map((p) => [
      p.id,
      p.name,
    ]),
  );
  return rows
    .map((r) => {
      const g = grade(r.tier, behaviour(r));
      return { plannerId: r.id, name: names.get(r.id) ?? '', tier: r.tier, score: g.score, parts: g.parts, why: g.why, won: r.won };
    })
    .sort((a, b) => b.score - a.score);
}

export async function gradingRun(ctx: Ctx, id: number) {
  const run = await ctx.db.gradingRun.findUnique({
    where: { id },
    include: { moves: { include: { planner: { select: { name: true, tier: true, supplier: { select: { name: true } } } } } } },
  });
  if (!run) throw new DomainError('GRADING_NOT_FOUND');
  return {
    id: run.id,
    trigger: run.trigger,
    windowDays: run.windowDays,
    createdAt: run.createdAt,
    appliedAt: run.appliedAt,
    appliedBy: run.appliedBy,
    moves: run.moves
      .sort((a, b) => a.plannerId - b.plannerId)
      .map((m) => ({
        plannerId: m.plannerId,
        name: m.planner.name,
        supplier: m.planner.supplier.name,
        currentTier: m.planner.tier,
        fromTier: m.fromTier,
        toTier: m.toTier,
        score: m.score,
        metrics: m.metrics,
        appliedAt: m.appliedAt,
      })),
  };
}

export async function gradingRuns(ctx: Ctx, limit = 20) {
  const runs = await ctx.db.gradingRun.findMany({
    orderBy: { id: 'desc' },
    take: limit,
    include: { _count: { select: { moves: true } }, moves: { where: { appliedAt: { not: null } }, select: { plannerId: true } } },
  });
  return runs.map((r) => ({
    id: r.id,
    trigger: r.trigger,
    windowDays: r.windowDays,
    createdAt: r.createdAt,
    appliedAt: r.appliedAt,
    appliedBy: r.appliedBy,
    moves: r._count.moves,
    applied: r.moves.length,
  }));
}

/**
 * Applies the run's moves for `plannerIds` (all when absent). A move already applied is skipped; a
 * planner whose tier changed since the run is refused as stale (nothing applied then).
 */
export async function applyGrading(ctx: Ctx, runId: number, by: string, plannerIds?: number[]) {
  const run = await gradingRun(ctx, runId);
  const chosen = run.moves.filter((m) => !m.appliedAt && (!plannerIds || plannerIds.includes(m.plannerId)));
  const unknown = plannerIds?.filter((id) => !run.moves.some((m) => m.plannerId === id)) ?? [];
  if (unknown.length)
    throw new DomainError('GRADING_NOT_FOUND', { message: `这次评估里没有定制师 ${unknown.join(', ')}。`, field: 'plannerIds' });
  const stale = chosen.filter((m) => m.currentTier !== m.fromTier);
  if (stale.length) throw new DomainError('GRADING_STALE', { field: 'plannerIds' });
  const at = new Date(ctx.now());
  for (const m of chosen) {
    // One planner at a time, each complete: a crash leaves the rest to a second apply.
    const { count } = await ctx.db.gradingMove.updateMany({
      where: { runId, plannerId: m.plannerId, appliedAt: null },
      data: { appliedAt: at },
    });
    if (count === 0) continue;
    await updatePlanner(ctx, m.plannerId, { tier: m.toTier });
    const p = await ctx.db.planner.findUnique({ where: { id: m.plannerId }, select: { openid: true, unreachableAt: true } });
    if (p?.openid && !p.unreachableAt)
      await ctx.notify.enqueue([
        {
          id: `tier-changed-g${runId}-p${m.plannerId}`,
          kind: 'tier-changed',
          openid: p.openid,
          plannerId: m.plannerId,
          vars: { fromTier: m.fromTier, toTier: m.toTier, why: (m.metrics as { why?: string }).why ?? '' },
        },
      ]);
  }
  await ctx.db.gradingRun.update({ where: { id: runId }, data: { appliedAt: at, appliedBy: by } });
  return { ...(await gradingRun(ctx, runId)), applied: chosen.map((m) => m.plannerId) };
}

/** The weekly run: a job scheduler on the grading queue (the pattern may change between deploys: upserted). */
async function scheduleGrading(ctx: Ctx, connection: RedisClient): Promise<Queue> {
  const queue = new Queue(GRADING_QUEUE, { connection, prefix: queuePrefix(ctx.ns, GRADING_QUEUE) });
  await queue.upsertJobScheduler(
    'weekly',
    { pattern: ctx.config.GRADING_CRON, tz: 'Asia/Shanghai' },
    { name: 'propose', opts: { removeOnComplete: 50, removeOnFail: 50 } },
  );
  return queue;
}

/** The weekly grading (GRADING_CRON, China time): its schedule and the worker that proposes the moves. */
export async function startGradingWorkers(ctx: Ctx, connection: RedisClient): Promise<Workers> {
  const queue = await scheduleGrading(ctx, connection);
  const worker = new Worker(GRADING_QUEUE, async () => (await proposeGrading(ctx, 'schedule')).id, {
    connection,
    prefix: queuePrefix(ctx.ns, GRADING_QUEUE),
  });
  return {
    worker,
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
