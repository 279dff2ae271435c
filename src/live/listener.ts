/**
 * Engine events → live events, as a listener: each per-user event is stored once (whichever
 * process handles the engine event) and published to every instance's hub. Planners hear their
 * pool and work orders; a requirement's traveler hears every change to it (their status page
 * re-reads it). A requirement's events are handled in stream order (a win's "slots" before its
 * "gone"); different requirements' side by side. A failed event is retried later, after the ones
 * behind it: a "full" that comes late for a requirement open again says nothing.
 */
import type { Ctx } from '../context.js';
import type { DomainEvent, Listener } from '../events/index.js';
import { hotStatusOf, travelerOf } from '../grab/index.js';
import { appendForUser, broadcastRequirement } from './store.js';

export function liveListener(ctx: Ctx): Listener {
  return {
    name: 'live',
    applicableEvents: ['released', 'grabbed', 'dispatched', 'full', 'expired', 'proposal', 'chosen', 'closed', 'reopened', 'paid'],
    // A requirement's events in order (its "slots" before its "gone"); different requirements at once.
    orderBy: (e) => e.requirementId,
    concurrency: 64,
    handle: (e) => toLive(ctx, e),
  };
}

async function toLive(ctx: Ctx, e: DomainEvent): Promise<void> {
  const redis = ctx.redis;
  const toTraveler = async (what: string, extra: Record<string, unknown> = {}) => {
    const t = await travelerOf(ctx, e.requirementId);
    if (t) await appendForUser(redis, `traveler:${t}`, 'requirement', { requirementId: e.requirementId, what, ...extra });
  };
  // Work orders that ended with the requirement (another proposal chosen, or ops closed it).
  const closedFor = (list: { workOrderId: string; plannerId: number }[]) =>
    Promise.all(
      list.map((w) =>
        appendForUser(redis, `planner:${w.plannerId}`, 'work-order', {
          workOrderId: w.workOrderId,
          requirementId: e.requirementId,
          status: 'closed',
        }),
      ),
    );
  switch (e.type) {
    case 'released':
      await Promise.all(
        e.plannerIds.map((p) =>
          appendForUser(redis, `planner:${p}`, 'released', { requirementId: e.requirementId, tier: e.tier, at: e.at }),
        ),
      );
      return;
    case 'grabbed':
    case 'dispatched':
      // A dispatch is an offer to accept or decline, not a win the planner made.
      await appendForUser(redis, `planner:${e.plannerId}`, e.type === 'grabbed' ? 'won' : 'offered', {
        requirementId: e.requirementId,
        workOrderId: e.workOrderId,
        at: e.at,
      });
      if (e.type === 'grabbed')
        await broadcastRequirement(redis, e.requirementId, 'slots', { requirementId: e.requirementId, slotsLeft: e.slotsLeft });
      await toTraveler('taken');
      return;
    case 'full':
      // Handled late (retried after a failure, or after a consumer died) the requirement may be open
      // again by now (a slot came back): its candidates must not be told it is gone.
      if ((await hotStatusOf(ctx, e.requirementId)) === 'open') return;
      await broadcastRequirement(redis, e.requirementId, 'gone', { requirementId: e.requirementId, reason: 'full' });
      return;
    case 'closed':
      await broadcastRequirement(redis, e.requirementId, 'gone', { requirementId: e.requirementId, reason: 'closed' });
      await closedFor(e.workOrders);
      await toTraveler('closed');
      return;
    case 'paid':
      await appendForUser(redis, `planner:${e.plannerId}`, 'work-order', {
        workOrderId: e.workOrderId,
        requirementId: e.requirementId,
        status: 'paid',
      });
      await toTraveler('paid');
      return;
    case 'reopened':
      await broadcastRequirement(redis, e.requirementId, 'reopened', { requirementId: e.requirementId });
      await toTraveler('reopened');
      return;
    case 'expired':
      // A declined or unanswered offer is not a missed deadline: the planner's pages say which.
      await appendForUser(redis, `planner:${e.plannerId}`, 'work-order', {
        workOrderId: e.workOrderId,
        requirementId: e.requirementId,
        status: e.why === 'deadline' ? 'expired' : 'declined',
      });
      if (e.reopened) await broadcastRequirement(redis, e.requirementId, 'reopened', { requirementId: e.requirementId });
      await toTraveler('expired');
      return;
    case 'proposal':
      await appendForUser(redis, `planner:${e.plannerId}`, 'work-order', {
        workOrderId: e.workOrderId,
        requirementId: e.requirementId,
        status: 'proposed',
      });
      await toTraveler('proposal', { workOrderId: e.workOrderId });
      return;
    case 'chosen':
      await appendForUser(redis, `planner:${e.plannerId}`, 'work-order', {
        workOrderId: e.workOrderId,
        requirementId: e.requirementId,
        status: 'chosen',
      });
      await closedFor(e.others);
      await broadcastRequirement(redis, e.requirementId, 'gone', { requirementId: e.requirementId, reason: 'chosen' });
      await toTraveler('chosen', { workOrderId: e.workOrderId });
      return;
  }
}
