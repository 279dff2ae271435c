/**
 * What must hold at every step of a simulation, checked as it goes (and at the end): the engine's
 * promises, read from its own records. A violation stops the run with the seed and the step to
 * replay it.
 */
import type { Ctx } from '../context.js';
import { requirementNow } from '../grab/index.js';

export type InvariantName =
  | 'over-allocated'
  | 'two-of-one-supplier'
  | 'grab-before-release'
  | 'win-not-recorded'
  | 'redis-postgres-disagree'
  | 'due-job-not-handled'
  | 'deadline-not-handled';

export class InvariantViolation extends Error {
  override name = 'InvariantViolation';
  constructor(
    readonly invariant: InvariantName,
    readonly detail: string,
    /** Filled in by the run: how to replay it. */
    public replay = '',
  ) {
    super(`${invariant}: ${detail}`);
  }
}

const HOLDING = `('active', 'proposed', 'chosen')`;

/** Never more work orders holding a slot than wanted, never two of one supplier (these requirements). */
export async function checkSlots(ctx: Ctx, requirementIds: number[]): Promise<number> {
  if (requirementIds.length === 0) return 0;
  const over = await ctx.pool.query<{ id: number; held: number; wanted: number }>(
    `SELECT r.id, count(w.id)::int AS held, r.planners_wanted AS wanted
       FROM requirements r JOIN work_orders w ON w.requirement_id = r.id AND w.status IN ${HOLDING}
      WHERE r.id = ANY($1::int[]) GROUP BY r.id HAVING count(w.id) > r.planners_wanted`,
    [requirementIds],
  );
  if (over.rows.length) {
    const r = over.rows[0];
    throw new InvariantViolation('over-allocated', `requirement ${r.id} has ${r.held} work orders holding a slot, ${r.wanted} wanted`);
  }
  const twice = await ctx.pool.query<{ requirement_id: number; supplier_id: number; n: number }>(
    `SELECT requirement_id, supplier_id, count(*)::int AS n FROM work_orders
      WHERE requirement_id = ANY($1::int[]) AND status IN ${HOLDING} GROUP BY requirement_id, supplier_id HAVING count(*) > 1`,
    [requirementIds],
  );
  if (twice.rows.length) {
    const r = twice.rows[0];
    throw new InvariantViolation('two-of-one-supplier', `requirement ${r.requirement_id}: supplier ${r.supplier_id} holds ${r.n} slots`);
  }
  return 2;
}

export interface AcknowledgedWin {
  workOrderId: string;
  requirementId: number;
  plannerId: number;
  tier: string;
  at: number;
}

/** Every win a planner was told of is in PostgreSQL, and was made after the planner's tier was released. */
export async function checkWins(ctx: Ctx, wins: AcknowledgedWin[]): Promise<number> {
  if (wins.length === 0) return 0;
  const rows = await ctx.pool.query<{ id: string; requirement_id: number; released_at: Date | null }>(
    `SELECT w.id, w.requirement_id, rel.released_at FROM work_orders w
       LEFT JOIN releases rel ON rel.requirement_id = w.requirement_id AND rel.tier = $2::"Tier"
      WHERE w.id = ANY($1::text[])`,
    [wins.map((w) => w.workOrderId), wins[0].tier],
  );
  const found = new Map(rows.rows.map((r) => [r.id, r]));
  for (const w of wins) {
    const row = found.get(w.workOrderId);
    if (!row)
      throw new InvariantViolation(
        'win-not-recorded',
        `work order ${w.workOrderId} (planner ${w.plannerId}, requirement ${w.requirementId}) was answered as won but is not in PostgreSQL`,
      );
    // (One tier per call: the caller checks a step's wins, which are one planner's.)
    if (!row.released_at || row.released_at.getTime() > w.at)
      throw new InvariantViolation(
        'grab-before-release',
        `planner ${w.plannerId} (tier ${w.tier}) won requirement ${w.requirementId} before tier ${w.tier} was released`,
      );
  }
  return 2;
}

/** PostgreSQL and Redis agree on every live requirement: status, and slots held. */
export async function checkAgreement(ctx: Ctx): Promise<number> {
  const live = await ctx.pool.query<{ id: number; status: string; planners_wanted: number; held: number }>(
    `SELECT r.id, r.status, r.planners_wanted, count(w.id) FILTER (WHERE w.status IN ('active', 'proposed'))::int AS held
       FROM requirements r LEFT JOIN work_orders w ON w.requirement_id = r.id
      WHERE r.status IN ('open', 'full') GROUP BY r.id ORDER BY r.id`,
  );
  const hot = await Promise.all(
    live.rows.map((r) => requirementNow(ctx, { id: r.id, status: r.status, plannersWanted: r.planners_wanted })),
  );
  for (const [i, r] of live.rows.entries()) {
    const now = hot[i];
    if (now.status !== r.status || now.filled !== r.held)
      throw new InvariantViolation(
        'redis-postgres-disagree',
        `requirement ${r.id}: PostgreSQL says ${r.status} with ${r.held} held, Redis ${now.status} with ${now.filled}`,
      );
  }
  return live.rows.length;
}

/** Nothing due before `t` is left undone: no scheduled job past its time, no active work order past its deadline. */
export async function checkNothingOverdue(ctx: Ctx, t: number, dueJobs: string[], failedJobs: string[] = []): Promise<number> {
  if (dueJobs.length)
    throw new InvariantViolation(
      'due-job-not-handled',
      `${dueJobs.length} job(s) due by now still scheduled: ${dueJobs.slice(0, 3).join(', ')}`,
    );
  if (failedJobs.length)
    throw new InvariantViolation('due-job-not-handled', `job(s) failed every attempt: ${failedJobs.slice(0, 3).join(', ')}`);
  const late = await ctx.pool.query<{ id: string }>(
    `SELECT w.id FROM work_orders w JOIN requirements r ON r.id = w.requirement_id
      WHERE w.status = 'active' AND r.status IN ('open', 'full') AND w.deadline_at < $1 LIMIT 1`,
    [new Date(t - 1000)],
  );
  if (late.rows.length)
    throw new InvariantViolation('deadline-not-handled', `work order ${late.rows[0].id} is still active past its proposal deadline`);
  return 2;
}
