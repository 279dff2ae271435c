/**
 * The simulator against a real PostgreSQL and Redis: the same seed gives the same bytes, each
 * invariant stops a run in which a violation was planted (with the seed and step to replay it), and
 * `npm run simulate` runs a small marketplace end to end, writing metrics.json and report.html.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Ctx } from '../../src/context.js';
import type { AcknowledgedWin, InvariantName } from '../../src/sim/invariants.js';
import { runOnce } from '../../src/sim/run.js';
import { InvariantViolation, metricsJson, scenarioFrom, simulate } from '../../src/sim/simulate.js';

const SERVER = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const MICRO = {
  name: 'micro',
  description: '测试：约 16 个需求、5 个目的地、12 家供应商、30 位定制师',
  drainHours: 26,
  demand: { perDay: 16, destinations: 5 },
  supply: { suppliers: 12, planners: 30, largeSuppliers: 1, midSuppliers: 3, destinationsPerPlanner: { min: 2, max: 3 } },
  sweep: { tierDelays: ['S:0,A:0,B:0,C:0', 'S:0,A:120,B:300,C:600'], cap: [3], proposalDeadline: [86400] },
};
const micro = scenarioFrom(MICRO);

const options = {
  scenario: micro,
  seed: 11,
  days: 1,
  compare: false,
  sweep: false,
  ladder: false,
  replications: 1,
  parallel: 1,
  server: SERVER,
};

describe('determinism', () => {
  it('the same scenario, seed and commit give byte-identical metrics.json (every policy, replications side by side); another seed does not', async () => {
    const all = { ...options, compare: true, parallel: 2 };
    const a = metricsJson(await simulate(all));
    const b = metricsJson(await simulate(all));
    expect(b).toBe(a);
    const parsed = JSON.parse(a);
    expect(parsed.policies[0].metrics.requirements).toBeGreaterThan(5);
    expect(parsed.invariants.checked).toBeGreaterThan(0);
    expect(JSON.parse(a).policies).toHaveLength(4);
    const c = metricsJson(await simulate({ ...all, seed: 12 }));
    expect(c).not.toBe(a);
  }, 180_000);
});

/** A run of the micro scenario with `plant` called before each step's checks until it returns true (planted). */
async function plantedRun(plant: (ctx: Ctx, wins: AcknowledgedWin[], step: number) => Promise<boolean>): Promise<InvariantViolation> {
  let planted = false;
  try {
    await runOnce({
      scenario: micro,
      settings: micro.settings,
      policy: 'grab-tiers',
      rung: 'logit',
      seed: 5,
      days: 1,
      server: SERVER,
      async beforeChecks(ctx, step, wins) {
        if (!planted) planted = await plant(ctx, wins, step);
      },
    });
  } catch (err) {
    if (err instanceof InvariantViolation) return err;
    throw err;
  }
  throw new Error(planted ? 'planted, but the run finished without a violation' : 'never planted');
}

const q = (ctx: Ctx, sql: string, values: unknown[] = []) => ctx.pool.query(sql, values);

const PLANTS: [InvariantName, (ctx: Ctx, wins: AcknowledgedWin[], step: number) => Promise<boolean>][] = [
  [
    'over-allocated',
    async (ctx, wins) => {
      if (!wins.length) return false;
      await q(ctx, 'UPDATE requirements SET planners_wanted = 0 WHERE id = $1', [wins[0].requirementId]);
      return true;
    },
  ],
  [
    'two-of-one-supplier',
    async (ctx, wins) => {
      if (!wins.length) return false;
      const w = wins[0];
      const mate = await q(
        ctx,
        'SELECT id, supplier_id FROM planners WHERE supplier_id = (SELECT supplier_id FROM planners WHERE id = $1) AND id <> $1 LIMIT 1',
        [w.plannerId],
      );
      if (!mate.rows.length) return false;
      await q(ctx, 'DROP INDEX IF EXISTS work_orders_live_supplier_key');
      await q(ctx, 'UPDATE requirements SET planners_wanted = 3 WHERE id = $1', [w.requirementId]);
      await q(
        ctx,
        `INSERT INTO work_orders (id, requirement_id, planner_id, supplier_id, channel, status, grabbed_at, deadline_at)
         VALUES ('planted', $1, $2, $3, 'sim', 'active', now(), now() + interval '1 day')`,
        [w.requirementId, mate.rows[0].id, mate.rows[0].supplier_id],
      );
      return true;
    },
  ],
  [
    'grab-before-release',
    async (ctx, wins) => {
      if (!wins.length) return false;
      await q(ctx, `UPDATE releases SET released_at = released_at + interval '1 hour' WHERE requirement_id = $1`, [wins[0].requirementId]);
      return true;
    },
  ],
  [
    'win-not-recorded',
    async (ctx, wins) => {
      if (!wins.length) return false;
      await q(ctx, 'DELETE FROM work_orders WHERE id = $1', [wins[0].workOrderId]);
      return true;
    },
  ],
  [
    'redis-postgres-disagree',
    async (ctx, _wins, step) => {
      if (step < 20) return false;
      const r = await q(
        ctx,
        `UPDATE requirements SET status = 'full' WHERE id = (SELECT id FROM requirements WHERE status = 'open' ORDER BY id LIMIT 1) RETURNING id`,
      );
      return r.rowCount === 1;
    },
  ],
  [
    'due-job-not-handled',
    async (ctx, _wins, step) => {
      if (step < 10) return false;
      // A job whose every attempt fails (a release of a requirement id that is no number).
      await ctx.queue.add(
        'release',
        { kind: 'release', requirementId: 'x' as never, tier: 'S' },
        { jobId: 'planted', attempts: 1, timestamp: ctx.now() },
      );
      return true;
    },
  ],
  [
    'deadline-not-handled',
    async (ctx, wins) => {
      if (!wins.length) return false;
      await q(ctx, 'UPDATE work_orders SET deadline_at = $2 WHERE id = $1', [wins[0].workOrderId, new Date(ctx.now() - 7_200_000)]);
      return true;
    },
  ],
];

describe('invariants', () => {
  for (const [name, plant] of PLANTS)
    it(`${name}: a planted violation stops the run, with the seed and step to replay it`, async () => {
      const v = await plantedRun(plant);
      expect(v.invariant).toBe(name);
      expect(v.replay).toMatch(/^seed 5, policy grab-tiers, rung logit, step \d+ at 2027-03-0\d \d\d:\d\d:\d\d \(Beijing\)$/);
    }, 120_000);
});

describe('npm run simulate', () => {
  it('compares the policies and sweeps a small marketplace end to end: metrics.json (the contract) and a self-contained report.html', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
    try {
      const scenarioFile = join(dir, 'micro.json');
      writeFileSync(scenarioFile, JSON.stringify(MICRO));
      const out = join(dir, 'out');
      const r = spawnSync(
        'npx',
        [
          'tsx',
          'scripts/simulate.ts',
          '--scenario',
          scenarioFile,
          '--seed',
          '3',
          '--compare',
          '--sweep',
          '--replications',
          '1',
          '--out',
          out,
        ],
        { encoding: 'utf8', env: { ...process.env, SIM_DATABASE_URL: SERVER }, timeout: 170_000 },
      );
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/\[1\/6\] /); // progress while it runs
      const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
      expect(m).toMatchObject({ seed: 3, scenario: { name: 'micro' }, days: 1, invariants: { violations: 0 } });
      expect(m.commit).toMatch(/^[0-9a-f]{12}$|^unknown$/);
      expect(m.scenario.hash).toMatch(/^[0-9a-f]{16}$/);
      expect(m.policies.map((p: { name: string }) => p.name)).toEqual(['assign-one', 'multi-dispatch', 'grab-flat', 'grab-tiers']);
      for (const p of m.policies) {
        expect(p.replications).toBe(1);
        for (const k of [
          'requirements',
          'filledShare',
          'timeToFirstGrabP50Ms',
          'timeToFirstGrabP90Ms',
          'timeToFirstProposalP50Ms',
          'proposalsPerRequirement',
          'abandonedShare',
          'chosenShare',
          'paidShare',
          'longTailWinShare',
          'winGini',
          'attemptsPerWin',
          'rereleases',
        ])
          expect(p.metrics).toHaveProperty(k);
        for (const t of ['S', 'A', 'B', 'C']) expect(p.metrics.byTier[t]).toHaveProperty('wins');
        expect(p.intervals.filledShare).toHaveLength(2);
      }
      // One-to-one assignment never has more than one planner per requirement.
      const one = m.policies[0].metrics;
      expect(one.proposalsPerRequirement).toBeLessThanOrEqual(1);
      expect(m.sweep).toHaveLength(2);
      expect(m.sweep.filter((p: { current: boolean }) => p.current)).toHaveLength(1);
      expect(m.sweep.some((p: { pareto: boolean }) => p.pareto)).toBe(true);
      const html = readFileSync(join(out, 'report.html'), 'utf8');
      expect(html).toContain('如果改这个设置会怎样');
      expect(html).toContain('<svg');
      expect(html).toContain('href="#pt-0"');
      expect(html).not.toMatch(/<script|src="http|href="http/); // opens from disk, nothing fetched
      expect(existsSync(join(out, 'report.html'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
