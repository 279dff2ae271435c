/** The reconnect schedule: a few quick retries, then exponential backoff with full jitter, capped. */
import { expect, it } from 'vitest';
import { RETRY, retryDelay } from '../../src/web/client/backoff.js';

it('retries quickly a few times, then waits a uniformly random time under a doubling ceiling, capped at a minute', () => {
  const lo = () => 0;
  const hi = () => 0.999999;
  for (let a = 1; a <= RETRY.quick; a++) {
    expect(retryDelay(a, lo)).toBe(RETRY.quickMs / 2);
    expect(retryDelay(a, hi)).toBe(Math.round(RETRY.quickMs * 1.5));
  }
  // Full jitter: anything from 0 up to the ceiling, which doubles per attempt.
  expect(retryDelay(RETRY.quick + 1, lo)).toBe(0);
  expect(retryDelay(RETRY.quick + 1, hi)).toBe(RETRY.baseMs);
  expect(retryDelay(RETRY.quick + 2, hi)).toBe(RETRY.baseMs * 2);
  expect(retryDelay(RETRY.quick + 3, hi)).toBe(RETRY.baseMs * 4);
  expect(retryDelay(RETRY.quick + 20, hi)).toBe(RETRY.capMs);
  expect(RETRY.capMs).toBe(60_000);
  // Many browsers retrying at the same attempt spread out over the whole window.
  const spread = Array.from({ length: 1000 }, () => retryDelay(RETRY.quick + 4));
  expect(Math.min(...spread)).toBeLessThan(RETRY.baseMs * 8 * 0.1);
  expect(Math.max(...spread)).toBeGreaterThan(RETRY.baseMs * 8 * 0.9);
});
