/**
 * The engine's hot state in Redis: a cache of PostgreSQL (grab/hot-state.ts rebuilds it), read and
 * written only by the engine. Other capabilities ask the engine (grab/index.ts: requirementNow,
 * supplierHolds, candidatesOf, requirementIdByCode, goLive, markRequirementPaid); scripts/lint/layers.ts
 * refuses an import of this file from outside grab/. A requirement's keys share the hash tag
 * {r<id>} and a planner's share {p<id>}, so each Lua script touches one Cluster slot; all live
 * under the database's namespace (infra/keys.ts).
 */
import { chinaDate } from '../format.js';

export const requirementKeys = (id: number) => {
  const t = `{r${id}}`;
  return {
    meta: `req:${t}`, // hash: status, wanted, filled, released, minTier, card, contact, ...
    candidates: `req:${t}:cand`, // hash plannerId → tier at match time (rule 3)
    planners: `req:${t}:planners`, // hash plannerId → work-order id (rule 7, idempotent repeat)
    suppliers: `req:${t}:suppliers`, // hash supplierId → work-order id (rule 6)
    expired: `req:${t}:expired`, // set of plannerIds who let a slot expire (rule 12)
    blocked: `req:${t}:blocked`, // set "p:<plannerId>" / "s:<supplierId>" (rule 13)
    workOrders: `req:${t}:wo`, // hash work-order id → JSON record: the journal
    unsynced: `req:${t}:unsynced`, // set of work-order ids not yet confirmed in PostgreSQL
  };
};

export const plannerKeys = (id: number, day: string) => {
  const t = `{p${id}}`;
  return {
    meta: `planner:${t}`, // hash: status, bound, supplierId, supplierStatus, tier, maxActive, dailyQuota, phone, openid
    active: `planner:${t}:active`, // hash requirementId → work-order id (capacity, rule 9)
    reservations: `planner:${t}:resv`, // zset token → expiry ms (in-flight grabs)
    day: `planner:${t}:day:${day}`, // wins today (rule 10)
    rate: `planner:${t}:rate`, // attempts in the current window (rule 11)
    pool: `planner:${t}:pool`, // zset requirementId → score: requirements this planner is a candidate for
  };
};

export const ipRateKey = (ip: string) => `rl:ip:{${ip}}`;
export const requirementCodes = 'req:codes'; // hash code → requirement id
export const plannerOpenids = 'planner:openids'; // hash WeChat openid → planner id
export const reconcileLock = 'lock:reconcile';
/** The running server's TIER_DELAYS (JSON release plan): scripts that create requirements follow it. */
export const releasePlanKey = 'cfg:release-plan';

/** Day bucket in China Standard Time, where the daily quota resets at local midnight. */
export function dayKey(nowMs: number): string {
  const minute = Math.floor(nowMs / 60_000);
  if (minute !== dayCache.minute) dayCache = { minute, day: chinaDate(nowMs).replaceAll('-', '') };
  return dayCache.day;
}
let dayCache = { minute: -1, day: '' }; // called on every grab: recomputed once a minute (days change on the minute)
