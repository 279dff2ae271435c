/**
 * Tier grading (the seed's 分级): one planner's measured behaviour over a window → a score in
 * [0, 1] → a proposed move of at most one tier. The weights and thresholds live here and only here
 * (test/unit/grading.test.ts pins them with exact numbers).
 *
 *   conversion  (chosen + 1) / (decided + 5)      decided = their work orders the traveler settled
 *                                                  (chosen, or closed when another was chosen);
 *                                                  smoothed so one result does not decide a tier
 *   speed       1 − min(median hours grab→proposal, 48) / 48; 0.5 with no proposal yet
 *   reliability 1 − expired / won                  slots let lapse (no proposal in time, offers
 *                                                  given back) against slots taken
 *   response    releases answered / releases      share of the releases to their tier they tried
 *                                                  to grab (any outcome) — showing up counts
 *
 *   score = 0.35·conversion + 0.25·speed + 0.20·reliability + 0.20·response
 *
 * score ≥ 0.60 → one tier up (S stays S); score < 0.30 → one tier down (C stays C); fewer than
 * MIN_WON slots in the window → no move (not enough to judge).
 */
import type { Tier } from '../config.js';

export const WEIGHTS = { conversion: 0.35, speed: 0.25, reliability: 0.2, response: 0.2 } as const;
export const UP_AT = 0.6;
export const DOWN_BELOW = 0.3;
export const MIN_WON = 3;
const SPEED_CAP_HOURS = 48;
const ORDER: Tier[] = ['S', 'A', 'B', 'C'];

export interface Behaviour {
  won: number;
  expired: number;
  chosen: number;
  decided: number;
  medianHoursToProposal: number | null;
  releases: number;
  answered: number;
}

export interface Grade {
  score: number;
  parts: { conversion: number; speed: number; reliability: number; response: number };
  to: Tier;
  /** Why, in words ops and the planner read. */
  why: string;
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

export function grade(tier: Tier, b: Behaviour): Grade {
  const parts = {
    conversion: round((b.chosen + 1) / (b.decided + 5)),
    speed: round(b.medianHoursToProposal === null ? 0.5 : 1 - Math.min(b.medianHoursToProposal, SPEED_CAP_HOURS) / SPEED_CAP_HOURS),
    reliability: round(b.won > 0 ? 1 - Math.min(b.expired, b.won) / b.won : 1),
    response: round(b.releases > 0 ? Math.min(b.answered, b.releases) / b.releases : 0),
  };
  const score = round(
    WEIGHTS.conversion * parts.conversion +
      WEIGHTS.speed * parts.speed +
      WEIGHTS.reliability * parts.reliability +
      WEIGHTS.response * parts.response,
  );
  const at = ORDER.indexOf(tier);
  if (b.won < MIN_WON) return { score, parts, to: tier, why: `样本不足（抢到 ${b.won} 单，少于 ${MIN_WON} 单）` };
  if (score >= UP_AT && at > 0) return { score, parts, to: ORDER[at - 1], why: `综合得分 ${score.toFixed(2)} ≥ ${UP_AT}` };
  if (score < DOWN_BELOW && at < ORDER.length - 1)
    return { score, parts, to: ORDER[at + 1], why: `综合得分 ${score.toFixed(2)} < ${DOWN_BELOW}` };
  return { score, parts, to: tier, why: `综合得分 ${score.toFixed(2)}，保持` };
}
