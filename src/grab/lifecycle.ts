/**
 * What happens to a requirement over time: tier releases, proposal deadlines (a missed one frees
 * the slot and re-opens the requirement), dispatched offers, and the fallback when every tier had
 * its window. Each handler is idempotent (BullMQ may deliver a job twice) and publishes its event
 * again when it redoes its work: the event's id makes the second one a no-op for listeners.
 */
import type { Job } from 'bullmq';
import type { Tier } from '../config.js';
import type { Ctx } from '../context.js';
import { DomainError } from '../errors.js';
import { flushOutbox, toOutbox } from '../events/index.js';
import { grab } from './grab.js';
import { ensureRequirement } from './hot-state.js';
import { syncRequirement } from './journal.js';
import { dayKey, plannerKeys, requirementKeys } from './keys.js';
import { match } from './matching.js';
import { cancelDeadline, cancelOffer, cancelPending, type LifecycleJob, scheduleExpiry, scheduleReleases } from './queue.js';
import { orLoad } from './scripts.js';

export async function handleJob(ctx: Ctx, job: Job<LifecycleJob>): Promise<unknown> {
  const d = job.data;
  if (d.kind === 'release') return releaseTier(ctx, d.requirementId, d.tier);
  if (d.kind === 'fallback') return fallback(ctx, d.requirementId);
  if (d.kind === 'remind') return remindProposalDue(ctx, d.workOrderId);
  if (d.kind === 'offer') return declineOffer(ctx, d.workOrderId, 'unanswered');
  return expireIfNoProposal(ctx, d.workOrderId);
}

/** Releases one tier: one atomic write in Redis, then the record, then the event. */
export async function releaseTier(ctx: Ctx, requirementId: number, tier: Tier): Promise<boolean> {
  const k = requirementKeys(requirementId);
  const now = ctx.now();
  const r = await orLoad(
    () => ctx.lua.release(k, { tier, now }),
    () => ensureRequirement(ctx, requirementId),
  );
  if (!Array.isArray(r)) return false;
  const [fresh, status] = r;
  if (fresh) {
    await ctx.db.release.createMany({ data: [{ requirementId, tier, releasedAt: new Date(now) }], skipDuplicates: true });
  }
  if (status !== 'open') return false;
  const cand = await ctx.redis.hgetall(requirementKeys(requirementId).candidates);
  const plannerIds = Object.entries(cand)
    .filter(([, t]) => t === tier)
    .map(([p]) => Number(p));
  // Published on every run: a retry after a crash past the release still says it, once (same event id).
  const at = Number(await ctx.redis.hget(k.meta, `rel${tier}`)) || now;
  await ctx.events.publish({ type: 'released', requirementId, tier, plannerIds, at });
  return fresh === 1;
}

/** A winner without a proposal at the deadline loses the slot; PostgreSQL decides who won the race. */
export async function expireIfNoProposal(ctx: Ctx, workOrderId: string): Promise<boolean> {
  const wo = await ctx.db.workOrder.findUnique({ where: { id: workOrderId } });
  if (!wo || wo.deadlineAt.getTime() > ctx.now() + 1000) return false; // not yet due (a stray early job)
  const { count } = await ctx.db.workOrder.updateMany({
    where: { id: workOrderId, status: 'active' },
    data: { status: 'expired', endedAt: new Date(ctx.now()) },
  });
  if (count === 0) {
    // A proposal arrived first: nothing to do. Already expired: a crash may have cut the rest short (redo it: idempotent).
    const current = await ctx.db.workOrder.findUnique({
      where: { id: workOrderId },
      select: { status: true, acceptedAt: true, channel: true },
    });
    if (current?.status === 'expired' && (current.channel !== 'dispatch' || current.acceptedAt)) await freeSlot(ctx, wo, 'deadline');
    return false;
  }
  await freeSlot(ctx, wo, 'deadline');
  return true;
}

/**
 * The deadline is near and no proposal yet: the deadline job is scheduled (queue.ts: the reminder
 * stands in for it until now), then it is said as an event (notifications remind the planner).
 */
async function remindProposalDue(ctx: Ctx, workOrderId: string): Promise<boolean> {
  const wo = await ctx.db.workOrder.findUnique({ where: { id: workOrderId } });
  if (wo?.status !== 'active') return false;
  await scheduleExpiry(ctx, workOrderId, wo.deadlineAt.getTime() - ctx.now());
  await ctx.events.publish({ type: 'proposal-due', requirementId: wo.requirementId, plannerId: wo.plannerId, workOrderId, at: ctx.now() });
  return true;
}

/** The offer still open for this planner (dispatched, not yet accepted, still active), or why not. */
async function openOffer(ctx: Ctx, plannerId: number | null, workOrderId: string) {
  const wo = await ctx.db.workOrder.findUnique({ where: { id: workOrderId } });
  if (!wo || (plannerId !== null && wo.plannerId !== plannerId)) throw new DomainError('WORK_ORDER_NOT_FOUND');
  if (wo.channel !== 'dispatch' || wo.acceptedAt || wo.status !== 'active') throw new DomainError('NOT_AN_OFFER');
  return wo;
}

/** The planner takes the system's assignment: it is a work order like any grabbed one from now on. */
export async function acceptOffer(ctx: Ctx, plannerId: number, workOrderId: string): Promise<void> {
  await openOffer(ctx, plannerId, workOrderId);
  const { count } = await ctx.db.workOrder.updateMany({
    where: { id: workOrderId, status: 'active', acceptedAt: null },
    data: { acceptedAt: new Date(ctx.now()) },
  });
  if (count === 0) throw new DomainError('NOT_AN_OFFER'); // the timeout won the race
  await cancelOffer(ctx, workOrderId);
}

/**
 * Declined, or unanswered when the offer job runs: the slot goes back to the requirement (re-opened
 * for the tiers already released), as a missed deadline does. PostgreSQL's conditional update
 * decides between a late accept and the timeout.
 */
export async function declineOffer(
  ctx: Ctx,
  workOrderId: string,
  why: 'declined' | 'unanswered',
  plannerId: number | null = null,
): Promise<boolean> {
  let wo: Awaited<ReturnType<typeof openOffer>>;
  try {
    wo = await openOffer(ctx, plannerId, workOrderId);
  } catch (err) {
    if (why === 'unanswered') return false; // accepted, proposed or gone: nothing to do
    throw err;
  }
  const { count } = await ctx.db.workOrder.updateMany({
    where: { id: workOrderId, status: 'active', acceptedAt: null },
    data: { status: 'declined', endedAt: new Date(ctx.now()) },
  });
  if (count === 0) {
    if (why === 'unanswered') return false;
    throw new DomainError('NOT_AN_OFFER');
  }
  await Promise.all([cancelOffer(ctx, workOrderId), cancelDeadline(ctx, workOrderId)]);
  await freeSlot(ctx, wo, why);
  return true;
}

/** An ended slot (missed deadline, declined offer): out of Redis, re-opened if it was full, everyone told. */
async function freeSlot(
  ctx: Ctx,
  wo: { id: string; requirementId: number; plannerId: number; supplierId: number },
  why: 'deadline' | 'declined' | 'unanswered',
): Promise<void> {
  const workOrderId = wo.id;
  const r = await orLoad(
    () => ctx.lua.expireSlot(requirementKeys(wo.requirementId), { plannerId: wo.plannerId, supplierId: wo.supplierId, workOrderId }),
    () => ensureRequirement(ctx, wo.requirementId),
  );
  await ctx.redis.hdel(plannerKeys(wo.plannerId, dayKey(ctx.now())).active, String(wo.requirementId));
  const reopened = Array.isArray(r) && r[0] === 1 && r[1] === 1;
  if (reopened) {
    await ctx.db.requirement.updateMany({ where: { id: wo.requirementId, status: 'full' }, data: { status: 'open', fullAt: null } });
    await rescheduleAfterReopen(ctx, wo.requirementId);
  }
  await ctx.events.publish({
    type: 'expired',
    requirementId: wo.requirementId,
    plannerId: wo.plannerId,
    workOrderId,
    reopened,
    why,
    at: ctx.now(),
  });
}

/** Re-opened: tiers not yet released keep their spacing from the last tier that was. */
async function rescheduleAfterReopen(ctx: Ctx, requirementId: number): Promise<void> {
  const released = (await ctx.redis.hget(requirementKeys(requirementId).meta, 'released')) ?? '';
  const offset = Math.max(0, ...ctx.config.releasePlan.filter((p) => released.includes(p.tier)).map((p) => p.delaySec));
  await scheduleReleases(ctx, requirementId, released, offset);
}

/**
 * Every tier had its window and slots are left: dispatch to the best-scored candidates who can
 * still take it (FALLBACK=dispatch), and flag for ops whatever remains (or at once, FALLBACK=flag).
 */
export async function fallback(ctx: Ctx, requirementId: number): Promise<{ dispatched: number; flagged: boolean }> {
  await syncRequirement(ctx, requirementId);
  const req = await ctx.db.requirement.findUnique({
    where: { id: requirementId },
    include: { candidates: { orderBy: [{ score: 'desc' }, { plannerId: 'asc' }] }, workOrders: { select: { plannerId: true } } },
  });
  if (req?.status !== 'open') return { dispatched: 0, flagged: false };
  let dispatched = 0;
  if (ctx.config.FALLBACK === 'dispatch') {
    const tried = new Set(req.workOrders.map((w) => w.plannerId));
    for (const c of req.candidates) {
      if (tried.has(c.plannerId)) continue;
      const r = await grab(ctx, { plannerId: c.plannerId, requirementId, channel: 'dispatch' });
      if (r.ok && !r.repeat) dispatched++;
      if (r.ok && r.slotsLeft === 0) break;
      if (!r.ok && (r.code === 'FULL' || r.code === 'REQUIREMENT_CLOSED')) break;
    }
  }
  const [filled, wanted] = (await ctx.redis.hmget(requirementKeys(requirementId).meta, 'filled', 'wanted')).map(Number);
  const slotsLeft = wanted - filled;
  if (slotsLeft > 0) {
    await ctx.db.requirement.update({ where: { id: requirementId }, data: { flaggedAt: req.flaggedAt ?? new Date(ctx.now()) } });
    await ctx.events.publish({ type: 'flagged', requirementId, slotsLeft, at: ctx.now() });
  }
  return { dispatched, flagged: slotsLeft > 0 };
}

/** A winner submits the proposal; it races the deadline job, and PostgreSQL's conditional update decides. */
export async function submitProposal(ctx: Ctx, plannerId: number, workOrderId: string, p: { itinerary: string; priceFen: number }) {
  const wo = await ctx.db.workOrder.findUnique({ where: { id: workOrderId } });
  if (!wo) throw new DomainError('WORK_ORDER_NOT_FOUND');
  if (wo.plannerId !== plannerId) throw new DomainError('NOT_YOURS');
  if (wo.deadlineAt.getTime() < ctx.now() && wo.status === 'active') throw new DomainError('DEADLINE_PASSED');
  const { proposal, event } = await ctx.db.$transaction(async (tx) => {
    // A proposal to a dispatched requirement accepts it too.
    const { count } = await tx.workOrder.updateMany({
      where: { id: workOrderId, status: 'active' },
      data: {
        status: 'proposed',
        proposedAt: new Date(ctx.now()),
        ...(wo.channel === 'dispatch' && !wo.acceptedAt ? { acceptedAt: new Date(ctx.now()) } : {}),
      },
    });
    if (count === 0) throw new DomainError('NOT_ACTIVE');
    const proposal = await tx.proposal.create({
      data: { workOrderId, itinerary: p.itinerary, priceFen: p.priceFen, createdAt: new Date(ctx.now()) },
    });
    // Decided in this transaction, so said through the outbox: a crash after the commit loses nothing.
    const event = await toOutbox(tx, { type: 'proposal', requirementId: wo.requirementId, plannerId, workOrderId, at: ctx.now() });
    return { proposal, event };
  });
  await cancelDeadline(ctx, workOrderId);
  await cancelOffer(ctx, workOrderId); // proposing is accepting (see above)
  await flushOutbox(ctx.pool, ctx.events, [event]);
  return proposal;
}

/**
 * Ops close a requirement that is still open or full, with a reason: no more grabs (Redis first,
 * so no grab wins after the work orders are read), the journal flushed, then in one transaction the
 * requirement and its running work orders closed and the event recorded; schedules go.
 */
export async function closeRequirement(ctx: Ctx, requirementId: number, reason: string): Promise<void> {
  const req = await ctx.db.requirement.findUnique({ where: { id: requirementId }, select: { status: true } });
  if (!req) throw new DomainError('REQUIREMENT_NOT_FOUND');
  if (req.status !== 'open' && req.status !== 'full') throw new DomainError(req.status === 'closed' ? 'ALREADY_CLOSED' : 'CANNOT_CLOSE');
  const k = requirementKeys(requirementId);
  const hot = await ctx.redis.exists(k.meta);
  if (hot) await ctx.redis.hset(k.meta, 'status', 'closed');
  await syncRequirement(ctx, requirementId);
  const at = new Date(ctx.now());
  const done = await ctx.db.$transaction(async (tx) => {
    const { count } = await tx.requirement.updateMany({
      where: { id: requirementId, status: { in: ['open', 'full'] } },
      data: { status: 'closed', closedReason: reason, closedAt: at },
    });
    if (count === 0) return null; // the traveler chose in between
    const running = await tx.workOrder.findMany({ where: { requirementId, status: { in: ['active', 'proposed'] } } });
    await tx.workOrder.updateMany({ where: { id: { in: running.map((w) => w.id) } }, data: { status: 'closed', endedAt: at } });
    const workOrders = running.map((w) => ({ workOrderId: w.id, plannerId: w.plannerId }));
    return { running, event: await toOutbox(tx, { type: 'closed', requirementId, reason, workOrders, at: at.getTime() }) };
  });
  if (!done) {
    const now = await ctx.db.requirement.findUnique({ where: { id: requirementId }, select: { status: true } });
    if (hot && now) await ctx.redis.hset(k.meta, 'status', now.status);
    throw new DomainError('CANNOT_CLOSE');
  }
  const day = dayKey(ctx.now());
  await cancelPending(ctx, requirementId);
  await Promise.all(
    done.running.flatMap((w) => [
      cancelDeadline(ctx, w.id),
      cancelOffer(ctx, w.id),
      ctx.redis.hdel(plannerKeys(w.plannerId, day).active, String(requirementId)),
    ]),
  );
  await flushOutbox(ctx.pool, ctx.events, [done.event]);
}

/**
 * A closed requirement opened again: grabbable from the start (its closed work orders hold no
 * slot), its hot state rebuilt from PostgreSQL, the tiers not yet released scheduled as after an
 * expiry, and the candidates' pools list it again.
 */
export async function reopenRequirement(ctx: Ctx, requirementId: number): Promise<void> {
  // Matched again first: planners may serve its destinations now who did not when it was made. A
  // requirement nobody serves would re-open to nobody: refused, with what to do instead.
  const req = await ctx.db.requirement.findUnique({ where: { id: requirementId } });
  if (!req) throw new DomainError('REQUIREMENT_NOT_FOUND');
  if (req.status !== 'closed') throw new DomainError('NOT_CLOSED');
  const fresh = await match(ctx, {
    destinations: req.destinations,
    minTier: req.minTier,
    blockedPlannerIds: req.blockedPlannerIds,
    blockedSupplierIds: req.blockedSupplierIds,
  });
  const known = await ctx.db.candidate.count({ where: { requirementId } });
  if (fresh.length === 0 && known === 0) throw new DomainError('NO_CANDIDATES');
  await ctx.db.candidate.createMany({ data: fresh.map((c) => ({ requirementId, ...c })), skipDuplicates: true });
  const { count } = await ctx.db.requirement.updateMany({
    where: { id: requirementId, status: 'closed' },
    data: { status: 'open', closedReason: null, closedAt: null, flaggedAt: null, fullAt: null },
  });
  if (count === 0) {
    const req = await ctx.db.requirement.findUnique({ where: { id: requirementId }, select: { id: true } });
    throw new DomainError(req ? 'NOT_CLOSED' : 'REQUIREMENT_NOT_FOUND');
  }
  await ctx.redis.del(...Object.values(requirementKeys(requirementId)));
  await ensureRequirement(ctx, requirementId);
  const candidates = await ctx.db.candidate.findMany({ where: { requirementId } });
  await Promise.all(candidates.map((c) => ctx.redis.zadd(plannerKeys(c.plannerId, dayKey(ctx.now())).pool, c.score, requirementId)));
  await rescheduleAfterReopen(ctx, requirementId);
  await ctx.events.publish({ type: 'reopened', requirementId, at: ctx.now() });
}
