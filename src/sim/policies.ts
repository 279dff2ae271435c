/**
 * The allocation policies a simulation compares, each run by the real engine with settings only:
 *  - assign-one: one-to-one assignment, the pre-grab model the seed started from (the best-matching
 *    planner is dispatched the requirement at once; a decline or a lapse goes to the next);
 *  - multi-dispatch: the top three, of three suppliers, dispatched at once;
 *  - grab-flat: grabbing, every tier released at once;
 *  - grab-tiers: grabbing with the setting's tier delays (today's product).
 * Assignment uses the engine's own dispatch (the fallback path) with releases that never come.
 */
import type { Settings } from './scenario.js';

export const POLICIES = ['assign-one', 'multi-dispatch', 'grab-flat', 'grab-tiers'] as const;
export type Policy = (typeof POLICIES)[number];

export const POLICY_WORDS: Record<Policy, string> = {
  'assign-one': '一对一指派',
  'multi-dispatch': '同时派三家',
  'grab-flat': '抢单（不分级）',
  'grab-tiers': '抢单（分级释放，现行）',
};

const NEVER = 100_000_000; // seconds: releases that never come within a simulation

export function policyEnv(policy: Policy, s: Settings): Record<string, string> {
  if (policy === 'grab-flat') return { TIER_DELAYS: 'S:0,A:0,B:0,C:0' };
  if (policy === 'grab-tiers') return {};
  return {
    TIER_DELAYS: `S:${NEVER},A:${NEVER},B:${NEVER},C:${NEVER}`,
    FALLBACK: 'dispatch',
    DISPATCH_ACCEPT_WITHIN: String(s.dispatchAcceptWithin),
  };
}

/** Planners a requirement gets under a policy: the traveler's wish (within the cap) when grabbing. */
export function wantedUnder(policy: Policy, asked: 1 | 2 | 3, cap: number): 1 | 2 | 3 {
  if (policy === 'assign-one') return 1;
  if (policy === 'multi-dispatch') return Math.min(3, cap) as 1 | 2 | 3;
  return Math.min(asked, cap) as 1 | 2 | 3;
}
