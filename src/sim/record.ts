/** What one run leaves behind: the records' figures, read from its database before it goes. */
import type { Policy } from './policies.js';
import type { Hour, Sim } from './state.js';

/** What one run leaves for the metrics: the records' figures, read from its database before it goes. */
export interface RunRecord {
  policy: Policy;
  seed: number;
  start: number;
  end: number;
  requirements: {
    id: number;
    index: number;
    createdAt: number;
    wanted: number;
    status: string;
    full: boolean;
    abandoned: boolean;
    outside: boolean;
  }[];
  workOrders: {
    requirementId: number;
    plannerId: number;
    supplierId: number;
    tier: string;
    channel: string;
    status: string;
    grabbedAt: number;
    /** A dispatched work order's acceptance (or the proposal that accepted it); null for grabs. */
    acceptedAt: number | null;
    proposedAt: number | null;
  }[];
  /** Grab attempts by the simulated planners, by the engine's answer code (its audit trail). */
  attempts: Record<string, number>;
  suppliers: { id: number; size: number }[];
  messages: Record<string, number>;
  hourly: Hour[];
  steps: number;
  jobs: { run: number; failed: number };
  invariants: { checked: number };
  lateProposals: number;
}

/** The requirements, work orders and grab attempts as PostgreSQL has them, with what the people did. */
export async function readRecord(sim: Sim, run: Pick<RunRecord, 'end' | 'messages' | 'steps' | 'jobs' | 'invariants'>): Promise<RunRecord> {
  const { ctx, world } = sim;
  await ctx.audit.flush();
  const reqRows = await ctx.db.requirement.findMany({
    select: { id: true, createdAt: true, plannersWanted: true, status: true },
    orderBy: { id: 'asc' },
  });
  const woRows = await ctx.db.workOrder.findMany({
    select: {
      requirementId: true,
      plannerId: true,
      supplierId: true,
      channel: true,
      status: true,
      grabbedAt: true,
      acceptedAt: true,
      proposedAt: true,
    },
    orderBy: [{ grabbedAt: 'asc' }, { id: 'asc' }],
  });
  const attemptRows = await ctx.pool.query<{ code: string; n: number }>(
    `SELECT code, count(*)::int AS n FROM grab_events WHERE channel = 'sim' GROUP BY code ORDER BY code`,
  );
  return {
    ...run,
    policy: sim.policy,
    seed: sim.seed,
    start: sim.start,
    requirements: reqRows.map((r) => {
      const t = sim.trips.get(r.id);
      return {
        id: r.id,
        index: t?.trip.index ?? -1,
        createdAt: r.createdAt.getTime(),
        wanted: r.plannersWanted,
        status: r.status,
        full: t?.full ?? false,
        abandoned: t?.abandoned ?? false,
        outside: t?.outside ?? false,
      };
    }),
    workOrders: woRows.map((w) => ({
      requirementId: w.requirementId,
      plannerId: w.plannerId,
      supplierId: w.supplierId,
      tier: world.byId.get(w.plannerId)?.tier ?? 'C',
      channel: w.channel,
      status: w.status,
      grabbedAt: w.grabbedAt.getTime(),
      acceptedAt: w.acceptedAt?.getTime() ?? null,
      proposedAt: w.proposedAt?.getTime() ?? null,
    })),
    attempts: Object.fromEntries(attemptRows.rows.map((r) => [r.code, r.n])),
    suppliers: world.suppliers,
    hourly: sim.hourly,
    lateProposals: sim.lateProposals,
  };
}
