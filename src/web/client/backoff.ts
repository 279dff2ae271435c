/**
 * When to try the stream again: a few quick retries (a blip, a deploy), then exponential backoff
 * with full jitter, capped at about a minute, so a restarted server is not hit by every browser at
 * the same instant. Pure, so it is unit-tested with a chosen `random`.
 */
export interface RetryPlan {
  quick: number; // this many quick tries first
  quickMs: number; // around this long apart (±50%)
  baseMs: number; // then uniform in [0, base·2^k]
  capMs: number; // never longer than this
}

export const RETRY: RetryPlan = { quick: 3, quickMs: 1000, baseMs: 2000, capMs: 60_000 };

/** The wait before try number `attempt` (1 = the first retry after a failure). */
export function retryDelay(attempt: number, random: () => number = Math.random, plan: RetryPlan = RETRY): number {
  if (attempt <= plan.quick) return Math.round(plan.quickMs * (0.5 + random()));
  const ceiling = Math.min(plan.capMs, plan.baseMs * 2 ** (attempt - plan.quick - 1));
  return Math.round(random() * ceiling);
}
