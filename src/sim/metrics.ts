/**
 * A run's figures, from its records (the engine's own: work orders, releases, the grab audit) and
 * the people's outcomes (abandonment, choice and payment are the behaviour model's), and the
 * statistics over replications: means with 95% intervals (Student's t).
 */
import type { RunRecord } from './run.js';

export const TIERS = ['S', 'A', 'B', 'C'] as const;

export interface Metrics {
  requirements: number;
  filledShare: number;
  timeToFirstGrabP50Ms: number | null;
  timeToFirstGrabP90Ms: number | null;
  timeToFirstProposalP50Ms: number | null;
  proposalsPerRequirement: number;
  abandonedShare: number;
  chosenShare: number;
  paidShare: number;
  longTailWinShare: number;
  winGini: number;
  attemptsPerWin: number | null;
  rereleases: number;
  byTier: Record<(typeof TIERS)[number], { wins: number; timeToFirstGrabP50Ms: number | null }>;
  /** Beyond the contract's fields. */
  wastedAttempts: number;
  grabbedShare: number;
  outsideShare: number;
  messages: number;
}

/** The named fields compared across policies, with intervals (byTier has its own table). */
export const HEADLINE = [
  'timeToFirstGrabP50Ms',
  'timeToFirstGrabP90Ms',
  'timeToFirstProposalP50Ms',
  'filledShare',
  'proposalsPerRequirement',
  'abandonedShare',
  'chosenShare',
  'paidShare',
  'longTailWinShare',
  'winGini',
  'attemptsPerWin',
  'wastedAttempts',
  'rereleases',
  'requirements',
] as const;
export type Headline = (typeof HEADLINE)[number];

export function quantile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const i = (v.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return Math.round(v[lo] + (v[hi] - v[lo]) * (i - lo));
}

/** Gini of a distribution (0 equal, 1 one takes all). */
export function gini(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const n = v.length;
  const total = v.reduce((a, b) => a + b, 0);
  if (n === 0 || total === 0) return 0;
  let weighted = 0;
  v.forEach((x, i) => {
    weighted += (i + 1) * x;
  });
  return (2 * weighted) / (n * total) - (n + 1) / n;
}

/** Lorenz curve points (share of suppliers, share of wins), for the report. */
export function lorenz(values: number[]): [number, number][] {
  const v = [...values].sort((a, b) => a - b);
  const total = v.reduce((a, b) => a + b, 0) || 1;
  let acc = 0;
  return [[0, 0], ...v.map((x, i) => [(i + 1) / v.length, (acc += x) / total] as [number, number])];
}

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;

type WorkOrder = RunRecord['workOrders'][number];
/**
 * When a planner committed to a requirement: a grab when it was won; a dispatched offer when it was
 * accepted (or proposed to); null for an offer never taken (declined or lapsed), which is no win.
 */
export const takenAt = (w: WorkOrder): number | null => (w.channel === 'dispatch' ? (w.acceptedAt ?? w.proposedAt) : w.grabbedAt);
const isWin = (w: WorkOrder) => takenAt(w) !== null;

/** What a run's records say per requirement and supplier: the ground both the metrics and the report's charts stand on. */
export function outcomes(r: RunRecord) {
  const wins = r.workOrders.filter(isWin);
  const created = new Map(r.requirements.map((q) => [q.id, q.createdAt]));
  const firstGrab = new Map<number, number>();
  const firstProposal = new Map<number, number>();
  const committed = new Map<number, number>();
  const earliest = (m: Map<number, number>, id: number, at: number) => {
    if ((m.get(id) ?? Number.POSITIVE_INFINITY) > at) m.set(id, at);
  };
  for (const w of wins) {
    earliest(firstGrab, w.requirementId, takenAt(w)!);
    committed.set(w.requirementId, (committed.get(w.requirementId) ?? 0) + 1);
  }
  for (const w of r.workOrders) if (w.proposedAt !== null) earliest(firstProposal, w.requirementId, w.proposedAt);
  const sizes = new Map(r.suppliers.map((s) => [s.id, s.size]));
  const bySupplier = new Map(r.suppliers.map((s) => [s.id, 0]));
  for (const w of wins) bySupplier.set(w.supplierId, (bySupplier.get(w.supplierId) ?? 0) + 1);
  const sinceIntake = (m: Map<number, number>) => [...m].map(([id, at]) => at - created.get(id)!).sort((a, b) => a - b);
  return { wins, created, committed, sizes, bySupplier, ttfg: sinceIntake(firstGrab), ttfp: sinceIntake(firstProposal), firstGrab };
}

export function metricsOf(r: RunRecord): Metrics {
  const n = r.requirements.length || 1;
  const { wins, created, committed, sizes, bySupplier, ttfg, ttfp, firstGrab } = outcomes(r);
  const longTail = wins.filter((w) => (sizes.get(w.supplierId) ?? 99) <= 3).length;
  const attempts = Object.values(r.attempts).reduce((a, b) => a + b, 0);
  const won = (r.attempts.OK ?? 0) + (r.attempts.OK_REPEAT ?? 0);
  const byTier = Object.fromEntries(
    TIERS.map((t) => {
      const mine = wins.filter((w) => w.tier === t);
      const firsts = new Map<number, number>();
      for (const w of mine) {
        const at = takenAt(w)! - created.get(w.requirementId)!;
        if ((firsts.get(w.requirementId) ?? Number.POSITIVE_INFINITY) > at) firsts.set(w.requirementId, at);
      }
      return [t, { wins: mine.length, timeToFirstGrabP50Ms: quantile([...firsts.values()], 0.5) }];
    }),
  ) as Metrics['byTier'];
  return {
    requirements: r.requirements.length,
    // Filled: as many planners committed (grabs, accepted offers) as wanted, at some point.
    filledShare: round(r.requirements.filter((q) => (committed.get(q.id) ?? 0) >= q.wanted).length / n),
    timeToFirstGrabP50Ms: quantile(ttfg, 0.5),
    timeToFirstGrabP90Ms: quantile(ttfg, 0.9),
    timeToFirstProposalP50Ms: quantile(ttfp, 0.5),
    proposalsPerRequirement: round(r.workOrders.filter((w) => w.proposedAt !== null).length / n),
    abandonedShare: round(r.requirements.filter((q) => q.abandoned).length / n),
    chosenShare: round(r.requirements.filter((q) => q.status === 'chosen' || q.status === 'paid').length / n),
    paidShare: round(r.requirements.filter((q) => q.status === 'paid').length / n),
    longTailWinShare: round(wins.length ? longTail / wins.length : 0),
    winGini: round(gini([...bySupplier.values()])),
    attemptsPerWin: won ? round(attempts / won, 3) : null,
    rereleases: r.workOrders.filter((w) => w.status === 'expired' || w.status === 'declined').length, // slots handed back
    byTier,
    wastedAttempts: attempts - won,
    grabbedShare: round(firstGrab.size / n),
    outsideShare: round(r.requirements.filter((q) => q.outside).length / n),
    messages: Object.values(r.messages).reduce((a, b) => a + b, 0),
  };
}

// Student's t, 97.5% quantile, by degrees of freedom (1–30; the normal's beyond).
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086,
  2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** The mean and its 95% interval over replications (a single one: the value, no width). */
export function meanInterval(values: (number | null)[]): { mean: number | null; interval: [number, number] | null } {
  const v = values.filter((x): x is number => x !== null);
  if (v.length === 0) return { mean: null, interval: null };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  if (v.length === 1) return { mean: round(mean), interval: [round(mean), round(mean)] };
  const sd = Math.sqrt(v.reduce((a, x) => a + (x - mean) ** 2, 0) / (v.length - 1));
  const half = (T975[v.length - 2] ?? 1.96) * (sd / Math.sqrt(v.length));
  return { mean: round(mean), interval: [round(mean - half), round(mean + half)] };
}

/** Replications' metrics summarised: the mean of each, byTier averaged, intervals for the headline fields. */
export function summarise(runs: Metrics[]): { metrics: Metrics; intervals: Record<string, [number, number] | null> } {
  const intervals: Record<string, [number, number] | null> = {};
  const metrics = { ...runs[0] } as Record<string, unknown>;
  for (const k of Object.keys(runs[0]) as (keyof Metrics)[]) {
    if (k === 'byTier') continue;
    const m = meanInterval(runs.map((x) => x[k] as number | null));
    metrics[k] = m.mean;
    // Every figure is ≥ 0, and shares and the Gini ≤ 1: a t interval of few replications is cut to that.
    const top = k.endsWith('Share') || k === 'winGini' ? 1 : Number.POSITIVE_INFINITY;
    intervals[k] = m.interval && [Math.max(0, m.interval[0]), Math.min(top, m.interval[1])];
  }
  metrics.byTier = Object.fromEntries(
    TIERS.map((t) => [
      t,
      {
        wins: meanInterval(runs.map((x) => x.byTier[t].wins)).mean,
        timeToFirstGrabP50Ms: meanInterval(runs.map((x) => x.byTier[t].timeToFirstGrabP50Ms)).mean,
      },
    ]),
  );
  return { metrics: metrics as unknown as Metrics, intervals };
}
