/**
 * Engine events → live events. Called once per engine event (from the bus's publish), so each
 * per-user event is stored once, whichever instance made it.
 */
import type { Redis } from 'ioredis';
import type { EngineEvent } from '../events/bus.js';
import { appendForUser, broadcastRequirement } from './store.js';

export async function toLive(redis: Redis, e: EngineEvent): Promise<void> {
  switch (e.type) {
    case 'released':
      await Promise.all(e.plannerIds.map((p) => appendForUser(redis, `planner:${p}`, 'released', { requirementId: e.requirementId, tier: e.tier, at: e.at })));
      return;
    case 'grabbed':
    case 'dispatched':
      await appendForUser(redis, `planner:${e.plannerId}`, 'won', { requirementId: e.requirementId, workOrderId: e.workOrderId, at: e.at });
      if (e.type === 'grabbed') await broadcastRequirement(redis, e.requirementId, 'slots', { requirementId: e.requirementId, slotsLeft: e.slotsLeft });
      return;
    case 'full':
      await broadcastRequirement(redis, e.requirementId, 'gone', { requirementId: e.requirementId, reason: 'full' });
      return;
    case 'expired':
      await appendForUser(redis, `planner:${e.plannerId}`, 'work-order', { workOrderId: e.workOrderId, requirementId: e.requirementId, status: 'expired' });
      if (e.reopened) await broadcastRequirement(redis, e.requirementId, 'reopened', { requirementId: e.requirementId });
      return;
    case 'proposal':
      await appendForUser(redis, `planner:${e.plannerId}`, 'work-order', { workOrderId: e.workOrderId, requirementId: e.requirementId, status: 'proposed' });
      return;
    case 'flagged':
      return;
  }
}
