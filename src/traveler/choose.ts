/**
 * The traveler picks one proposal. PostgreSQL decides (a conditional update of the requirement, so
 * two taps or two tabs choose once); then Redis stops grabs, the pending releases go, planners free
 * the slot from their capacity, and everyone hears it (live events, template messages).
 */
import type { Ctx } from '../context.js';
import { dayKey, plannerKeys, requirementKeys } from '../grab/keys.js';
import { cancelPending, cancelDeadline } from '../grab/queue.js';
import { notifyChosen } from '../notify/events.js';
import { CodedError } from '../errors.js';

export class ChooseError extends CodedError {
  constructor(code: 'NOT_FOUND' | 'NOT_PROPOSED' | 'ALREADY_CHOSEN' | 'CLOSED', status: number, message: string, field?: string) {
    super(status, code, message, field);
  }
}

export async function choose(ctx: Ctx, travelerId: number, requirementId: number, workOrderId: string) {
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
    return { wo, others };
  });

  // Redis: no more grabs (every grab path checks status), each planner's load drops this requirement.
  const day = dayKey(ctx.now());
  await ctx.redis.hset(requirementKeys(requirementId).meta, 'status', 'chosen');
  await Promise.all([result.wo, ...result.others].map((w) => ctx.redis.hdel(plannerKeys(w.plannerId, day).active, String(requirementId))));
  await cancelPending(ctx, requirementId);
  await Promise.all(result.others.map((w) => cancelDeadline(ctx, w.id)));
  await ctx.bus.publish({
    type: 'chosen',
    requirementId,
    workOrderId,
    plannerId: result.wo.plannerId,
    others: result.others.map((w) => ({ workOrderId: w.id, plannerId: w.plannerId })),
    at: ctx.now(),
  });
  await notifyChosen(ctx, requirementId);
}

/** Why the claim failed, in the order a person cares: not yours, already chosen, closed, not proposed. */
function whyNot(
  req: { travelerId: number; status: string; workOrders: { id: string; status: string }[] } | null,
  travelerId: number,
  workOrderId: string,
): ChooseError {
  if (!req || req.travelerId !== travelerId) return new ChooseError('NOT_FOUND', 404, 'requirement: not found among your trips');
  if (req.status === 'chosen' || req.status === 'paid')
    return new ChooseError('ALREADY_CHOSEN', 409, 'requirement: a proposal was already chosen');
  if (req.status !== 'open' && req.status !== 'full') return new ChooseError('CLOSED', 409, `requirement: is ${req.status}`);
  if (!req.workOrders.some((w) => w.id === workOrderId))
    return new ChooseError('NOT_FOUND', 404, 'workOrderId: not a proposal of this trip', 'workOrderId');
  return new ChooseError('NOT_PROPOSED', 409, 'workOrderId: this planner has not sent a proposal', 'workOrderId');
}
