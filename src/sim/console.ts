/**
 * Simulations ops start from the console (模拟): a request is recorded (simulation_runs) and queued;
 * one worker runs one at a time, each in a child process (`scripts/simulate.ts`, niced: the
 * simulation's CPU never competes with the live product's in its own process) that reports its
 * progress line by line; the metrics and the report are kept with the run. A simulation makes its
 * own database and Redis namespace: it never reads or changes the live settings or records (only
 * "from our data" reads the records, here, to fit the scenario before it runs).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Job, Worker } from 'bullmq';
import { z } from 'zod';
import type { Ctx, Workers } from '../context.js';
import { DomainError } from '../errors.js';
import { queuePrefix } from '../infra/keys.js';
import { closeQueueBeside, queueBeside } from '../infra/queues.js';
import type { RedisClient } from '../infra/redis.js';
import { fitFromRecords, NotEnoughData } from './fit.js';
import { overlay, SCENARIOS_DIR, scenarioFrom } from './scenario.js';

export const SIM_QUEUE = 'simulate';
const ROOT = resolve(SCENARIOS_DIR, '..');

const minutes = z
  .number({ error: 'must be a number of minutes' })
  .min(0, 'must not be negative')
  .max(24 * 60, 'at most 24 hours');
export const simulationInput = z.object({
  scenario: z.enum(['default', 'tiny', 'ours'], { error: 'must be default, tiny or ours' }).default('default'),
  fitDays: z.number().int().min(1).max(365).default(30),
  days: z.number({ error: 'must be a number' }).int('must be whole days').min(1, 'at least 1 day').max(7, 'at most 7 days').default(1),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31)
    .default(1),
  replications: z.number().int().min(1, 'at least 1').max(10, 'at most 10').default(2),
  compare: z.enum(['yes', 'no']).default('yes'),
  delays: z.object({ S: minutes, A: minutes, B: minutes, C: minutes }),
  cap: z.number().int().min(1, 'at least 1').max(3, 'at most 3'),
  deadlineHours: z.number({ error: 'must be a number of hours' }).min(1, 'at least 1 hour').max(168, 'at most 7 days'),
});
export type SimulationInput = z.infer<typeof simulationInput>;

/** The settings a request tries, as the engine takes them (delays in seconds, the deadline in seconds). */
export const settingsOf = (q: Pick<SimulationInput, 'delays' | 'cap' | 'deadlineHours'>) => ({
  tierDelays: (['S', 'A', 'B', 'C'] as const).map((t) => `${t}:${Math.round(q.delays[t] * 60)}`).join(','),
  cap: q.cap,
  proposalDeadline: Math.round(q.deadlineHours * 3600),
});

/** The scenario a request runs: the chosen base (fitted from our records, when asked) with the settings to try. */
async function scenarioOf(ctx: Ctx, input: SimulationInput) {
  let fitted: Awaited<ReturnType<typeof fitFromRecords>> | null = null;
  let base: Record<string, unknown>;
  if (input.scenario === 'ours') {
    try {
      fitted = await fitFromRecords(ctx, input.fitDays);
    } catch (err) {
      if (err instanceof NotEnoughData) throw new DomainError('VALIDATION', { message: err.message, field: 'scenario' });
      throw err;
    }
    base = fitted.overlay;
  } else base = JSON.parse(readFileSync(resolve(SCENARIOS_DIR, `${input.scenario}.json`), 'utf8'));
  const scenario = scenarioFrom(overlay(base, { settings: settingsOf(input) }), 'scenario');
  return { scenario, fitted };
}

/** Records and queues a simulation; one at a time (a second is refused while one is queued or running). */
export async function requestSimulation(ctx: Ctx, input: SimulationInput, by: string): Promise<{ id: number }> {
  const busy = await ctx.db.simulationRun.findFirst({ where: { status: { in: ['queued', 'running'] } }, select: { id: true } });
  if (busy) throw new DomainError('CONFLICT', { message: `已有一个模拟在进行（#${busy.id}），一次只跑一个：请等它结束再开始。` });
  const { scenario, fitted } = await scenarioOf(ctx, input);
  const run = await ctx.db.simulationRun.create({
    data: {
      request: input as never,
      scenario: scenario as never,
      by,
      progress: { done: 0, total: 0, line: '排队中', fitted: fitted?.summary ?? null },
    },
  });
  await queueOf(ctx).add('simulate', { id: run.id }, { jobId: `sim-${run.id}`, removeOnComplete: true, removeOnFail: 100 });
  return { id: run.id };
}

/** The fit of "from our data", to show before running. */
export async function previewFit(ctx: Ctx, days: number) {
  try {
    const f = await fitFromRecords(ctx, days);
    return { ok: true as const, days, requirements: f.requirements, summary: f.summary };
  } catch (err) {
    if (err instanceof NotEnoughData) return { ok: false as const, days, summary: [err.message] };
    throw err;
  }
}

export async function simulationRuns(ctx: Ctx, limit = 30) {
  return ctx.db.simulationRun.findMany({
    orderBy: { id: 'desc' },
    take: limit,
    select: {
      id: true,
      status: true,
      request: true,
      progress: true,
      metrics: true,
      by: true,
      createdAt: true,
      finishedAt: true,
      error: true,
    },
  });
}

export async function simulationRun(ctx: Ctx, id: number) {
  const run = await ctx.db.simulationRun.findUnique({
    where: { id },
    select: {
      id: true,
      status: true,
      request: true,
      scenario: true,
      progress: true,
      metrics: true,
      by: true,
      createdAt: true,
      startedAt: true,
      finishedAt: true,
      error: true,
    },
  });
  if (!run) throw new DomainError('NOT_FOUND', { message: '没有这次模拟。' });
  return run;
}

export async function simulationReport(ctx: Ctx, id: number): Promise<string | null> {
  return (await ctx.db.simulationRun.findUnique({ where: { id }, select: { report: true } }))?.report ?? null;
}

const queueOf = (ctx: Ctx) => queueBeside(ctx, SIM_QUEUE);

/** Runs one recorded request in a child process; its progress lines go to the run's record as they come. */
async function runInChild(ctx: Ctx, id: number): Promise<void> {
  const run = await ctx.db.simulationRun.findUnique({ where: { id } });
  if (run?.status !== 'queued') return;
  const input = simulationInput.parse(run.request);
  const dir = mkdtempSync(join(tmpdir(), 'dz-simrun-'));
  const scenarioFile = join(dir, 'scenario.json');
  writeFileSync(scenarioFile, JSON.stringify(run.scenario));
  await ctx.db.simulationRun.update({ where: { id }, data: { status: 'running', startedAt: new Date() } });
  const fitted = (run.progress as { fitted?: string[] } | null)?.fitted ?? null;
  const args = [
    '--import',
    'tsx',
    'scripts/simulate.ts',
    '--scenario',
    scenarioFile,
    '--seed',
    String(input.seed),
    '--days',
    String(input.days),
    '--replications',
    String(input.replications),
    '--parallel',
    '1',
    '--out',
    join(dir, 'out'),
    '--progress-json',
    ...(input.compare === 'yes' ? ['--compare'] : []),
  ];
  let stderr = '';
  let last = Promise.resolve();
  const code = await new Promise<number>((done) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      if (child.pid) setPriority(child.pid, 10); // below the live product's processes
    } catch {
      // not allowed here: it runs at the worker's priority
    }
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        const p = JSON.parse(line) as { done: number; total: number; line: string };
        last = last.then(() => ctx.db.simulationRun.update({ where: { id }, data: { progress: { ...p, fitted } } }).then(() => {}));
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    child.on('close', (c) => done(c ?? 1));
  });
  await last;
  try {
    if (code !== 0) {
      await ctx.db.simulationRun.update({
        where: { id },
        data: { status: 'failed', finishedAt: new Date(), error: stderr.trim() || `模拟进程退出（${code}）` },
      });
      return;
    }
    const metrics = JSON.parse(readFileSync(join(dir, 'out', 'metrics.json'), 'utf8'));
    const report = readFileSync(join(dir, 'out', 'report.html'), 'utf8');
    await ctx.db.simulationRun.update({
      where: { id },
      data: { status: 'done', finishedAt: new Date(), metrics, report, progress: { done: 1, total: 1, line: '完成', fitted } },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs recorded as queued whose job is gone (Redis lost it) are queued again: the record is
 * PostgreSQL's, the job only Redis's (deterministic job ids: a job that exists is left alone).
 */
export async function requeueSimulations(ctx: Ctx): Promise<number> {
  const queued = await ctx.db.simulationRun.findMany({ where: { status: 'queued' }, select: { id: true } });
  for (const r of queued)
    await queueOf(ctx).add('simulate', { id: r.id }, { jobId: `sim-${r.id}`, removeOnComplete: true, removeOnFail: 100 });
  return queued.length;
}

/** The console's simulation worker: one at a time. A run left `running` by a stopped worker is marked failed at start. */
export async function startSimulationWorker(ctx: Ctx, connection: RedisClient): Promise<Workers> {
  await ctx.db.simulationRun.updateMany({
    where: { status: 'running' },
    data: { status: 'failed', error: '模拟进行中时工作进程停止了，请重新开始。', finishedAt: new Date() },
  });
  await requeueSimulations(ctx);
  const worker = new Worker<{ id: number }>(SIM_QUEUE, (job: Job<{ id: number }>) => runInChild(ctx, job.data.id), {
    connection,
    prefix: queuePrefix(ctx.ns, SIM_QUEUE),
    concurrency: 1,
    lockDuration: 120_000,
  });
  worker.on('failed', (job, err) => {
    ctx.log.error({ job: job?.id, err: err.message }, 'simulation failed');
    if (job)
      void ctx.db.simulationRun.updateMany({
        where: { id: job.data.id, status: { in: ['queued', 'running'] } },
        data: { status: 'failed', error: err.message, finishedAt: new Date() },
      });
  });
  return {
    worker,
    async close() {
      await worker.close();
      await closeQueueBeside(ctx, SIM_QUEUE);
    },
  };
}
