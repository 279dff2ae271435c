/**
 * Seeing that Redis lost its data (a restart without persistence, a failover to an empty replica, a
 * FLUSHALL): a marker key set at start and checked every few seconds and on every reconnect. When
 * it is gone, what lives only in Redis is derived again from PostgreSQL at once (the schedule, the
 * session list) instead of at the next periodic pass, minutes later.
 */
import type { Logger } from '../log.js';
import { redisMarker } from './keys.js';
import type { RedisClient } from './redis.js';

export function watchRedisLoss(redis: RedisClient, log: Logger, onLoss: () => void, everyMs = 3_000): { stop(): void } {
  const mark = () => redis.set(redisMarker, String(Date.now()));
  let stopped = false;
  let checking = false;
  const check = async () => {
    if (stopped || checking) return;
    checking = true;
    try {
      if (await redis.exists(redisMarker)) return;
      log.warn('Redis lost its data: deriving its schedule and session list from PostgreSQL now');
      await mark();
      onLoss();
    } catch {
      // Redis out of reach: the reconnect's `ready` checks again.
    } finally {
      checking = false;
    }
  };
  void mark().catch(() => {});
  const onReady = () => void check();
  redis.on('ready', onReady);
  const timer = setInterval(() => void check(), everyMs);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
      redis.off('ready', onReady);
    },
  };
}
