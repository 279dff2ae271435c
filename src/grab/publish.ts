/** The engine's events about wins, said the same way by the grab and by the journal's replay. */
import type { Ctx } from '../context.js';
import { requirementKeys } from './keys.js';
import { cancelPending } from './queue.js';

/** A win said once: to the planner as won (or offered, when dispatched), to everyone else as fewer slots. */
export function publishWin(
  ctx: Ctx,
  w: { requirementId: number; plannerId: number; workOrderId: string; dispatch: boolean; slotsLeft: number; at: number; byOps?: boolean },
) {
  const { requirementId, plannerId, workOrderId, at } = w;
  return ctx.events.publish(
    w.dispatch
      ? { type: 'dispatched', requirementId, plannerId, workOrderId, at, ...(w.byOps ? { byOps: true } : {}) }
      : { type: 'grabbed', requirementId, plannerId, workOrderId, slotsLeft: w.slotsLeft, at },
  );
}

/** The last slot went: pending releases and the fallback go, and the candidates hear it is gone. */
export async function publishFull(ctx: Ctx, requirementId: number): Promise<void> {
  const k = requirementKeys(requirementId);
  const [candidates, [fullAt, released]] = await Promise.all([
    ctx.redis.hkeys(k.candidates),
    ctx.redis.hmget(k.meta, 'fullAt', 'released'),
  ]);
  await cancelPending(ctx, requirementId, released ?? '');
  await ctx.events.publish({ type: 'full', requirementId, plannerIds: candidates.map(Number), at: Number(fullAt) || ctx.now() });
}
