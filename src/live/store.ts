/**
 * Per-user live events that must survive a reconnect or a server restart ("released to you",
 * "you won", work-order changes, broadcasts): appended to a capped Redis stream per user, whose
 * entry ids are the SSE event ids, so `Last-Event-ID` replays exactly what was missed. Each append
 * is also published once on one channel, and every instance delivers it to its own connections.
 * Requirement-wide updates (slots left, gone) are published without being stored: a page that
 * reconnects re-reads its pool, which is the state those updates describe.
 */

import { channelOf, liveKeys } from '../infra/keys.js';
import type { RedisClient } from '../infra/redis.js';

export interface LiveEvent {
  id?: string; // the stream id; absent for requirement-wide updates (not replayable)
  type: string;
  data: Record<string, unknown>;
}

/** Whom an event is for: one user ("planner:7"), every planner who is a candidate of a requirement, or everyone connected (ops broadcasts). */
export type Audience = { user: string } | { requirement: number } | { all: true };

export interface Envelope {
  to: Audience;
  event: LiveEvent;
}

const HISTORY = 200; // per user; older events are covered by re-reading state
const TTL_SEC = 7 * 86_400;

const userKey = liveKeys.user;
export const liveChannel = (redis: RedisClient) => channelOf(redis, 'live');

export async function appendForUser(redis: RedisClient, user: string, type: string, data: Record<string, unknown>): Promise<string> {
  const key = userKey(user);
  const id = (await redis.xadd(key, 'MAXLEN', '~', HISTORY, '*', 'type', type, 'data', JSON.stringify(data)))!;
  await redis.expire(key, TTL_SEC);
  await redis.publish(liveChannel(redis), JSON.stringify({ to: { user }, event: { id, type, data } } satisfies Envelope));
  return id;
}

export async function broadcastRequirement(
  redis: RedisClient,
  requirementId: number,
  type: string,
  data: Record<string, unknown>,
): Promise<void> {
  await redis.publish(liveChannel(redis), JSON.stringify({ to: { requirement: requirementId }, event: { type, data } } satisfies Envelope));
}

/** Events after `lastId` (exclusive), oldest first. An id older than the history gives what is left. */
export async function eventsSince(redis: RedisClient, user: string, lastId: string): Promise<LiveEvent[]> {
  if (!/^\d+-\d+$/.test(lastId)) return [];
  const rows = await redis.xrange(userKey(user), `(${lastId}`, '+', 'COUNT', HISTORY);
  return rows.map(([id, fields]) => {
    const f: Record<string, string> = {};
    for (let i = 0; i < fields.length; i += 2) f[fields[i]] = fields[i + 1];
    return { id, type: f.type, data: JSON.parse(f.data) };
  });
}

/** An ops broadcast to every open stream (not stored: it is also sent through the official account). */
export async function broadcastAll(redis: RedisClient, type: string, data: Record<string, unknown>): Promise<void> {
  await redis.publish(liveChannel(redis), JSON.stringify({ to: { all: true }, event: { type, data } } satisfies Envelope));
}
