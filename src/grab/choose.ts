/**
 * The traveler picks one proposal. PostgreSQL decides (a conditional update of the requirement, so
 * two taps or two tabs choose once) and records the `chosen` event in the same transaction (the
 * outbox); then Redis stops grabs, the pending releases go, planners free the slot from their
 * capacity, and the event goes out (live events and template messages are its listeners).
 */
import type { Ctx } from '../context.js';
import { DomainError } from '../errors.js';
import { type EventOf, flushOutbox, toOutbox } from '../events/index.js';
import { dayKey, plannerKeys, requirementKeys } from './keys.js';
import { cancelDeadline, cancelPending } from './queue.js';

export async function choose(ctx: Ctx, travelerId: number, requirementId: number, workOrderId: string): Promise<void> {
  const at = new Date(ctx.now());
  const result = await ctx.db.$transaction(async (tx) => {
    // The claim first, in one statement: a racing chooser's reads can't see half of another's commit.
    const claimed = await tx.$executeRaw`UPDATE requirements SET status = 'chosen'
      WHERE id = ${requirementId} AND traveler_id = ${travelerId} AND status IN ('open', 'full')
        AND EXISTS (SELECT 1 FROM work_orders WHERE id = ${workOrderId} AND requirement_id = ${requirementId} AND status = 'proposed')`;
    const req = await tx.requirement.findUnique({ where: { id: requirementId }, include: { workOrders: true } });
    if (claimed === 0) throw whyNot(req, travelerId, workOrderId);
    const wo = req!.workOrders.find((w) => w.id === workOrderId)!;
    await tx.workOrder.update({ where: { id: workOrderId }, data: { status: 'chosen' } });
    const others = req!.workOrders.filter((w) => w.id !== workOrderId && (w.status === 'active' || w.status === 'proposed'));
    if (others.length)
      await tx.workOrder.updateMany({ where: { id: { in: others.map((w) => w.id) } }, data: { status: 'closed', endedAt: at } });
    const event = await toOutbox(tx, {
      type: 'chosen',
      requirementId,
      workOrderId,
      plannerId: wo.plannerId,
      others: others.map((w) => ({ workOrderId: w.id, plannerId: w.plannerId })),
      at: at.getTime(),
    });
    return { wo, others, event };
  });

  await afterChoose(ctx, result.event as EventOf<'chosen'>);
  await flushOutbox(ctx.pool, ctx.events, [result.event]);
}

/**
 * After the choice's commit: Redis stops grabs (every grab path checks status), each planner's load
 * drops the requirement, pending releases and the others' deadlines go. Idempotent: the reconciler
 * runs it again for a `chosen` event its process did not publish (it died in this window).
 */
export async function afterChoose(ctx: Ctx, e: EventOf<'chosen'>): Promise<void> {
  const day = dayKey(ctx.now());
  const { requirementId } = e;
  await ctx.redis.hset(requirementKeys(requirementId).meta, 'status', 'chosen');
  await Promise.all(
    [e.plannerId, ...e.others.map((o) => o.plannerId)].map((p) => ctx.redis.hdel(plannerKeys(p, day).active, String(requirementId))),
  );
  await cancelPending(ctx, requirementId);
  await Promise.all(e.others.map((o) => cancelDeadline(ctx, o.workOrderId)));
}

/** Why the claim failed, in the order a person cares: not yours, already chosen, closed, not proposed. */
function whyNot(
  req: { travelerId: number; status: string; workOrders: { id: string; status: string }[] } | null,
  travelerId: number,
  workOrderId: string,
): DomainError {
  if (!req || req.travelerId !== travelerId) return new DomainError('TRIP_NOT_FOUND');
  if (req.status === 'chosen' || req.status === 'paid') return new DomainError('ALREADY_CHOSEN');
  if (req.status !== 'open' && req.status !== 'full') return new DomainError('CLOSED');
  if (!req.workOrders.some((w) => w.id === workOrderId)) return new DomainError('PROPOSAL_NOT_FOUND', { field: 'workOrderId' });
  return new DomainError('NOT_PROPOSED', { field: 'workOrderId' });
}
