/**
 * The engine's delayed work, on one BullMQ queue: tier releases, the fallback when every tier
 * had its window, and proposal deadlines. Job ids are deterministic (requirement+tier,
 * work order), so scheduling twice is harmless, and every handler is idempotent because BullMQ
 * delivers at least once. Each job is stamped with the product's clock (`timestamp: ctx.now()`),
 * so its due time is `timestamp + delay` on that clock: in production the wall clock, in a
 * simulation the virtual one (the simulator promotes a job when its virtual time comes: src/sim/).
 */
import { type Job, Queue, Worker } from 'bullmq';
import type { Tier } from '../config.js';
import type { Ctx } from '../context.js';
import { queuePrefix } from '../infra/keys.js';
import type { RedisClient } from '../infra/redis.js';

export const QUEUE = 'lifecycle';

export type LifecycleJob =
  | { kind: 'release'; requirementId: number; tier: Tier }
  | { kind: 'fallback'; requirementId: number }
  | { kind: 'deadline'; workOrderId: string }
  | { kind: 'remind'; workOrderId: string }
  | { kind: 'offer'; workOrderId: string };

const releaseId = (r: number, t: Tier) => `release-r${r}-${t}`;
const fallbackId = (r: number) => `fallback-r${r}`;
const deadlineId = (wo: string) => `deadline-${wo}`;
const remindId = (wo: string) => `remind-${wo}`;
const offerId = (wo: string) => `offer-${wo}`;

export function createQueue(connection: RedisClient, ns: string): Queue<LifecycleJob> {
  return new Queue<LifecycleJob>(QUEUE, {
    connection,
    prefix: queuePrefix(ns, QUEUE),
    defaultJobOptions: { removeOnComplete: true, removeOnFail: 1000, attempts: 5, backoff: { type: 'exponential', delay: 1000 } },
  });
}

/**
 * Schedules the releases of the tiers not yet released, and the fallback after the last one.
 * Delays follow TIER_DELAYS, counted from `sinceMs` minus `offsetSec` (the plan's offset of the
 * last tier already released, when a requirement re-opens).
 */
export async function scheduleReleases(
  ctx: Ctx,
  requirementId: number,
  released: string,
  offsetSec = 0,
  opts: { sinceMs?: number; fallback?: boolean } = {},
): Promise<void> {
  const since = opts.sinceMs ?? ctx.now();
  const after = (sec: number) => Math.max(0, since + sec * 1000 - ctx.now());
  const pending = ctx.config.releasePlan.filter((p) => !released.includes(p.tier));
  for (const p of pending) {
    await ctx.queue.add(
      'release',
      { kind: 'release', requirementId, tier: p.tier },
      { jobId: releaseId(requirementId, p.tier), timestamp: ctx.now(), delay: after(Math.max(0, p.delaySec - offsetSec)) },
    );
  }
  if (opts.fallback === false) return;
  const last = ctx.config.releasePlan.at(-1)!.delaySec;
  await ctx.queue.add(
    'fallback',
    { kind: 'fallback', requirementId },
    { jobId: fallbackId(requirementId), timestamp: ctx.now(), delay: after(Math.max(0, last - offsetSec) + ctx.config.FALLBACK_AFTER) },
  );
}

/**
 * PostgreSQL is the record; BullMQ's jobs live only in Redis. After Redis lost its data (or a job
 * was lost any other way), every job still due is derived again from the record: releases of the
 * tiers not yet released and the fallback (open requirements not yet handed to ops), the reminder
 * or deadline of active work orders (scheduleDeadline), offers not yet answered. Job ids are
 * deterministic, so a job that exists is left alone; a due one fires at once. Returns how many were
 * looked at.
 */
export async function rebuildSchedule(ctx: Ctx): Promise<{ requirements: number; workOrders: number }> {
  const open = await ctx.db.requirement.findMany({
    where: { status: 'open' },
    select: { id: true, createdAt: true, flaggedAt: true, releases: { select: { tier: true } } },
  });
  for (const r of open)
    await scheduleReleases(ctx, r.id, r.releases.map((x) => x.tier).join(''), 0, {
      sinceMs: r.createdAt.getTime(),
      fallback: r.flaggedAt === null, // flagged: its fallback ran, ops have it
    });
  const active = await ctx.db.workOrder.findMany({
    where: { status: 'active', requirement: { status: { in: ['open', 'full'] } } },
    select: { id: true, grabbedAt: true, channel: true, acceptedAt: true },
  });
  for (const w of active) {
    await scheduleDeadline(ctx, w.id, w.grabbedAt.getTime());
    if (w.channel === 'dispatch' && !w.acceptedAt) await scheduleOffer(ctx, w.id, w.grabbedAt.getTime());
  }
  return { requirements: open.length, workOrders: active.length };
}

/**
 * A full requirement: its pending releases and fallback go away. `released` (the tiers released
 * already, as the requirement's hot state says) leaves out the jobs that ran: one removal each
 * fewer, on the last win of every requirement in a storm.
 */
export async function cancelPending(ctx: Ctx, requirementId: number, released = ''): Promise<void> {
  const ids = [
    ...ctx.config.releasePlan.filter((p) => !released.includes(p.tier)).map((p) => releaseId(requirementId, p.tier)),
    fallbackId(requirementId),
  ];
  await Promise.all(ids.map((id) => ctx.queue.remove(id)));
}

/** When a slot won at `grabbedAtMs` must have its proposal: what the record says and the schedule follows. */
export const proposalDue = (deadlineSec: number, grabbedAtMs: number) => grabbedAtMs + deadlineSec * 1000;

/**
 * A won work order's one pending job: the reminder, PROPOSAL_REMINDER before the deadline, while
 * that is still ahead (its run schedules the deadline: remindProposalDue in lifecycle.ts), else the
 * deadline itself. One delayed job per win, not two; and a proposal in before the reminder (the
 * usual case) leaves no deadline job to make or remove. (Derived again after a Redis loss past the
 * reminder's time, only the deadline is scheduled: whether the reminder went out is not known, and
 * the deadline is what must not be lost.)
 */
export async function scheduleDeadline(ctx: Ctx, workOrderId: string, grabbedAtMs: number): Promise<void> {
  const { PROPOSAL_DEADLINE, PROPOSAL_REMINDER } = ctx.config;
  const delay = Math.max(0, proposalDue(PROPOSAL_DEADLINE, grabbedAtMs) - ctx.now());
  const remindIn = delay - PROPOSAL_REMINDER * 1000;
  if (PROPOSAL_REMINDER < PROPOSAL_DEADLINE && remindIn > 0)
    await ctx.queue.add('remind', { kind: 'remind', workOrderId }, { jobId: remindId(workOrderId), timestamp: ctx.now(), delay: remindIn });
  else await scheduleExpiry(ctx, workOrderId, delay);
}

/** The deadline job alone, due in `delay` ms (the reminder's run, or no reminder to send). */
export async function scheduleExpiry(ctx: Ctx, workOrderId: string, delay: number): Promise<void> {
  await ctx.queue.add(
    'deadline',
    { kind: 'deadline', workOrderId },
    { jobId: deadlineId(workOrderId), timestamp: ctx.now(), delay: Math.max(0, delay) },
  );
}

/** A dispatched work order: unanswered by DISPATCH_ACCEPT_WITHIN after the dispatch, it is declined. */
export async function scheduleOffer(ctx: Ctx, workOrderId: string, dispatchedAtMs: number): Promise<void> {
  const delay = Math.max(0, dispatchedAtMs + ctx.config.DISPATCH_ACCEPT_WITHIN * 1000 - ctx.now());
  await ctx.queue.add('offer', { kind: 'offer', workOrderId }, { jobId: offerId(workOrderId), timestamp: ctx.now(), delay });
}

export async function cancelOffer(ctx: Ctx, workOrderId: string): Promise<void> {
  await ctx.queue.remove(offerId(workOrderId));
}

export async function cancelDeadline(ctx: Ctx, workOrderId: string): Promise<void> {
  await Promise.all([ctx.queue.remove(deadlineId(workOrderId)), ctx.queue.remove(remindId(workOrderId))]);
}

/**
 * The worker side, with spare concurrency: BullMQ promotes a delayed job only while the worker has a
 * free slot, so a worker busy with long jobs would start a release late.
 */
export function startWorker(ctx: Ctx, connection: RedisClient, handle: (job: Job<LifecycleJob>) => Promise<unknown>): Worker<LifecycleJob> {
  const worker = new Worker<LifecycleJob>(QUEUE, handle, { connection, prefix: queuePrefix(ctx.ns, QUEUE), concurrency: 32 });
  worker.on('failed', (job, err) => ctx.log.error({ job: job?.id, err: err.message }, 'lifecycle job failed'));
  return worker;
}
