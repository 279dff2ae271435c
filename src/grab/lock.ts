/**
 * A Redis lock done right (the seed's SETNX-then-EXPIRE is the anti-example): one SET NX PX with a
 * random token, so it always expires, and a compare-and-delete release (releaseLock-1.lua), so a
 * holder whose lock timed out never deletes the next holder's.
 */
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../infra/redis.js';
import type { Lua } from './scripts.js';

/** Runs fn under the lock; returns null without running it when another holder has the lock. */
export async function withLock<T>(
  { redis, lua }: { redis: RedisClient; lua: Lua },
  key: string,
  ttlMs: number,
  fn: () => Promise<T>,
): Promise<T | null> {
  const token = randomUUID();
  if ((await redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') return null;
  try {
    return await fn();
  } finally {
    await lua.releaseLock({ lock: key }, { token });
  }
}
