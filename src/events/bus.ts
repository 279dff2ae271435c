/**
 * Engine events go out on one Redis pub/sub channel, so every instance (and the notification and
 * long-connection code of later capabilities) hears every release, grab and change, whichever
 * instance made it. Publishing is fire-and-forget: PostgreSQL, not the bus, is the record. Each
 * event also becomes the live events of the browsers concerned (src/live/bridge.ts).
 */
import type { Redis } from 'ioredis';
import type { Tier } from '../config.js';
import { toLive } from '../live/bridge.js';

export type EngineEvent =
  | { type: 'released'; requirementId: number; tier: Tier; plannerIds: number[]; at: number }
  | { type: 'grabbed'; requirementId: number; plannerId: number; workOrderId: string; slotsLeft: number; at: number }
  | { type: 'full'; requirementId: number; plannerIds: number[]; at: number }
  | { type: 'expired'; requirementId: number; plannerId: number; workOrderId: string; reopened: boolean; at: number }
  | { type: 'proposal'; requirementId: number; plannerId: number; workOrderId: string; at: number }
  | { type: 'dispatched'; requirementId: number; plannerId: number; workOrderId: string; at: number }
  | { type: 'flagged'; requirementId: number; slotsLeft: number; at: number }
  | {
      type: 'chosen';
      requirementId: number;
      workOrderId: string;
      plannerId: number;
      others: { workOrderId: string; plannerId: number }[];
      at: number;
    };

export interface EventBus {
  channel: string;
  publish(e: EngineEvent): Promise<void>;
}

/** The channel carries the database index: pub/sub is shared by all of a server's databases. */
/** `travelerOf` names the traveler of a requirement, whose status page hears its changes. */
export function createBus(redis: Redis, travelerOf: (requirementId: number) => Promise<number | null>): EventBus {
  const channel = `engine-events:${redis.options.db ?? 0}`;
  return {
    channel,
    async publish(e) {
      await redis.publish(channel, JSON.stringify(e));
      await toLive(redis, e, travelerOf); // the browsers' live streams (src/live)
    },
  };
}
