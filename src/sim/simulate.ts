/**
 * The marketplace simulator: seeded days through the real engine under a virtual clock (run.ts),
 * policies compared with replications (common random numbers: replication r of every policy uses
 * seed + r), the grab ladder's rungs to show how much an answer rests on the behaviour model, and
 * a sweep of settings with its Pareto front. What it returns is metrics.json (CONTRACT) and what
 * the report draws.
 */
import { execFileSync } from 'node:child_process';
import type { Logger } from '../log.js';
import { HEADLINE, metricsOf, outcomes, summarise } from './metrics.js';
import { POLICIES, POLICY_WORDS, type Policy } from './policies.js';
import { type RunRecord, runOnce } from './run.js';
import { LADDER, type Rung, type Scenario, type Settings, scenarioHash } from './scenario.js';
import type { Detail, PolicyResult, Simulation, SweepPoint } from './types.js';

export { simServer } from './database.js';
export { InvariantViolation } from './invariants.js';
export { POLICIES, POLICY_WORDS, type Policy } from './policies.js';
export { renderReport } from './report.js';
export { loadScenario, type Scenario, ScenarioError, type Settings, scenarioFrom, settingsSchema } from './scenario.js';
export type { Detail, PolicyResult, Simulation, SweepPoint } from './types.js';

export interface SimulateOptions {
  scenario: Scenario;
  seed: number;
  days: number;
  /** Compare the four policies (else: today's policy only). */
  compare: boolean;
  /** Sweep the scenario's grid of settings. */
  sweep: boolean;
  /** The grab ladder's other rungs too (with --compare). */
  ladder: boolean;
  replications: number;
  /** Replications run side by side (each in its own database and namespace). */
  parallel: number;
  server: string | null;
  log?: Logger;
  progress?(line: string, done: number, total: number): void;
}

export function commitOf(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

async function pooled<T>(tasks: (() => Promise<T>)[], width: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(width, tasks.length)) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        out[i] = await tasks[i]();
      }
    }),
  );
  return out;
}

function detailOf(r: RunRecord, settings: Settings): Detail {
  const { wins, sizes, bySupplier, ttfg, ttfp } = outcomes(r);
  const winsBySize: Record<string, number> = { '1–3 人': 0, '4–10 人': 0, '11 人以上': 0 };
  for (const w of wins) {
    const size = sizes.get(w.supplierId) ?? 1;
    winsBySize[size <= 3 ? '1–3 人' : size <= 10 ? '4–10 人' : '11 人以上']++;
  }
  return {
    hourly: r.hourly,
    ttfgMs: ttfg,
    ttfpMs: ttfp,
    suppliers: [...bySupplier.values()],
    winsBySize,
    attempts: r.attempts,
    messages: r.messages,
    releaseTimesSec: settings.tierDelays.split(',').map((p) => Number(p.split(':')[1])),
    proposalDelaysMin: r.workOrders.filter((w) => w.proposedAt !== null).map((w) => Math.round((w.proposedAt! - w.grabbedAt) / 60_000)),
    proposalDeadlineMin: settings.proposalDeadline / 60,
  };
}

/** Pareto-optimal points: none is at least as good on every objective and better on one. Objectives: lower is better. */
export function paretoFront<T>(points: T[], objectives: ((p: T) => number)[]): boolean[] {
  return points.map(
    (p, i) => !points.some((q, j) => j !== i && objectives.every((f) => f(q) <= f(p)) && objectives.some((f) => f(q) < f(p))),
  );
}

export async function simulate(o: SimulateOptions): Promise<Simulation> {
  const s = o.scenario;
  const rung = s.behaviour.ladder;
  const runs: { policy: Policy; settings: Settings; rung: Rung; rep: number; group: string }[] = [];
  const policies: Policy[] = o.compare ? [...POLICIES] : ['grab-tiers'];
  for (const policy of policies)
    for (let rep = 0; rep < o.replications; rep++) runs.push({ policy, settings: s.settings, rung, rep, group: `main:${policy}` });
  if (o.compare && o.ladder)
    for (const other of LADDER.filter((r) => r !== rung))
      for (const policy of policies) runs.push({ policy, settings: s.settings, rung: other, rep: 0, group: `ladder:${other}:${policy}` });
  const grid: Settings[] = [];
  if (o.sweep)
    for (const tierDelays of s.sweep.tierDelays)
      for (const cap of s.sweep.cap)
        for (const proposalDeadline of s.sweep.proposalDeadline) grid.push({ ...s.settings, tierDelays, cap, proposalDeadline });
  const sweepReps = Math.max(1, Math.min(o.replications, 2));
  grid.forEach((settings, i) => {
    for (let rep = 0; rep < sweepReps; rep++) runs.push({ policy: 'grab-tiers', settings, rung, rep, group: `sweep:${i}` });
  });

  let done = 0;
  let checked = 0;
  const results = await pooled(
    runs.map((r) => async () => {
      const record = await runOnce({
        scenario: s,
        settings: r.settings,
        policy: r.policy,
        rung: r.rung,
        seed: o.seed + r.rep,
        days: o.days,
        server: o.server,
        log: o.log,
      });
      checked += record.invariants.checked;
      done++;
      o.progress?.(`${r.group} #${r.rep + 1}: ${record.requirements.length} 个需求，${record.steps} 步`, done, runs.length);
      return { ...r, record, metrics: metricsOf(record) };
    }),
    o.parallel,
  );

  const group = (g: string) => results.filter((r) => r.group === g);
  const policyResults: PolicyResult[] = policies.map((name) => {
    const mine = group(`main:${name}`);
    const { metrics, intervals } = summarise(mine.map((m) => m.metrics));
    return { name, label: POLICY_WORDS[name], replications: mine.length, metrics, intervals: pickHeadline(intervals) };
  });
  const detail: Record<string, Detail> = {};
  for (const name of policies) detail[name] = detailOf(group(`main:${name}`)[0].record, s.settings);
  const ladder =
    o.compare && o.ladder
      ? LADDER.filter((r) => r !== rung).map((other) => ({
          rung: other,
          policies: policies.map((name) => ({ name, metrics: group(`ladder:${other}:${name}`)[0].metrics })),
        }))
      : [];
  let sweep: SweepPoint[] | null = null;
  if (o.sweep) {
    const points = grid.map((settings, id) => {
      const { metrics, intervals } = summarise(group(`sweep:${id}`).map((m) => m.metrics));
      const current =
        settings.tierDelays === s.settings.tierDelays &&
        settings.cap === s.settings.cap &&
        settings.proposalDeadline === s.settings.proposalDeadline;
      return { id, settings, current, pareto: false, metrics, intervals: pickHeadline(intervals) };
    });
    const front = paretoFront(points, [
      (p) => p.metrics.timeToFirstGrabP50Ms ?? Number.POSITIVE_INFINITY,
      (p) => -p.metrics.longTailWinShare,
      (p) => -p.metrics.chosenShare,
    ]);
    sweep = points.map((p, i) => ({ ...p, pareto: front[i] }));
  }
  return {
    seed: o.seed,
    commit: commitOf(),
    scenario: { name: s.name, hash: scenarioHash(s), description: s.description },
    days: o.days,
    rung,
    settings: s.settings,
    policies: policyResults,
    ladder,
    sweep,
    invariants: { checked, violations: 0 },
    detail,
  };
}

function pickHeadline(intervals: Record<string, [number, number] | null>) {
  return Object.fromEntries(HEADLINE.map((k) => [k, intervals[k] ?? null])) as Record<string, [number, number] | null>;
}

/** metrics.json: the contract's fields (and a few more), without the report's detail; byte-identical for one scenario, seed and commit. */
export function metricsJson(sim: Simulation): string {
  const { detail: _detail, ...rest } = sim;
  return `${JSON.stringify(rest, null, 2)}\n`;
}
