/**
 * A grab's delayed jobs, as a listener of its events (it runs beside the workers): the proposal's
 * reminder or deadline when a slot is grabbed, and a full requirement's pending releases and
 * fallback removed (a dispatch schedules its own: grab.ts, afterWin). A web process answers the
 * grab and publishes its events; BullMQ (a Lua script, a job object and its encoding per job) is
 * the worker's CPU, not the storm's. Events wait in the stream while no worker is up, and every
 * job id is deterministic, so an event handled twice (or the reconciler's replay of the same win)
 * schedules each job once. What the stream loses with Redis, rebuildSchedule derives from PostgreSQL.
 */
import type { Ctx } from '../context.js';
import type { Listener } from '../events/index.js';
import { requirementKeys } from '../infra/keys.js';
import { cancelPending, scheduleDeadline } from './queue.js';

export function scheduleListener(ctx: Ctx): Listener {
  return {
    name: 'schedule',
    applicableEvents: ['grabbed', 'full'],
    concurrency: 16, // each event is its own jobs
    async handle(e) {
      switch (e.type) {
        case 'grabbed':
          await scheduleDeadline(ctx, e.workOrderId, e.at);
          return;
        case 'full': {
          // The tiers released already (their jobs ran) need no removal: one removal each fewer.
          const released = await ctx.redis.hget(requirementKeys(e.requirementId).meta, 'released');
          await cancelPending(ctx, e.requirementId, released ?? '');
          return;
        }
      }
    },
  };
}
