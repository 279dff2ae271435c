/**
 * What other capabilities may know of, or tell, the engine's hot state, asked as operations rather
 * than through its keys (grab/keys.ts is the engine's own): a requirement's status and slots this
 * moment, whether a supplier holds a slot, its candidates, a code's requirement, a requirement going
 * live, its payment. PostgreSQL answers when Redis does not hold the requirement.
 */

import type { Config } from '../config.js';
import type { Ctx } from '../context.js';
import { ensureRequirement } from './hot-state.js';
import { dayKey, plannerKeys, plannerOpenids, releasePlanKey, requirementCodes, requirementKeys } from './keys.js';
import { scheduleReleases } from './queue.js';

/** Slots a requirement still offers: none unless it is open. */
const slotsLeft = (status: string, wanted: number, filled: number) => (status === 'open' ? Math.max(0, wanted - filled) : 0);

export interface RequirementNow {
  /** The engine's status this moment (`open` while slots are left; PostgreSQL's when not loaded). */
  status: string;
  filled: number;
  slotsLeft: number;
}

/** A requirement's status and slots as the engine has them now; `row` (PostgreSQL) where Redis holds nothing. */
export async function requirementNow(ctx: Ctx, row: { id: number; status: string; plannersWanted: number }): Promise<RequirementNow> {
  const [filled, hot] = await ctx.redis.hmget(requirementKeys(row.id).meta, 'filled', 'status');
  const status = hot ?? row.status;
  const n = Number(filled ?? 0);
  const count = Number.isFinite(n) ? n : 0;
  return { status, filled: count, slotsLeft: slotsLeft(status, row.plannersWanted, count) };
}

/** The engine's status of a requirement, null when Redis does not hold it. */
export const hotStatusOf = (ctx: Ctx, requirementId: number) => ctx.redis.hget(requirementKeys(requirementId).meta, 'status');

/** Whether a colleague of this planner (same supplier) holds one of the requirement's slots (rule 6). */
export async function supplierHolds(ctx: Ctx, plannerId: number, requirementId: number): Promise<boolean> {
  const supplierId = await ctx.redis.hget(plannerKeys(plannerId, dayKey(ctx.now())).meta, 'supplierId');
  return supplierId ? (await ctx.redis.hexists(requirementKeys(requirementId).suppliers, supplierId)) === 1 : false;
}

/** The planners a requirement was matched to (its candidates), as the hot state has them. */
export async function candidatesOf(ctx: Ctx, requirementId: number): Promise<string[]> {
  return ctx.redis.hkeys(requirementKeys(requirementId).candidates);
}

/** A requirement's id from its code (抢 <code>): the hot index, then PostgreSQL. */
export async function requirementIdByCode(ctx: Ctx, code: string): Promise<number | null> {
  const hot = await ctx.redis.hget(requirementCodes, code);
  if (hot) return Number(hot);
  const r = await ctx.db.requirement.findUnique({ where: { code }, select: { id: true } });
  return r?.id ?? null;
}

/**
 * The two read-only indexes a message's one-round-trip arrival may read beside its own keys
 * (wechat's arrive-5.lua): WeChat openid → planner id, requirement code → id.
 */
export const arrivalIndexes = { openids: plannerOpenids, codes: requirementCodes } as const;

/** After a requirement's commit: its hot state, each candidate's pool index, its release schedule. Idempotent. */
export async function goLive(ctx: Ctx, requirementId: number, candidates: { plannerId: number; score: number }[]) {
  await ensureRequirement(ctx, requirementId);
  const day = dayKey(ctx.now());
  await Promise.all(candidates.map((c) => ctx.redis.zadd(plannerKeys(c.plannerId, day).pool, c.score, requirementId)));
  await scheduleReleases(ctx, requirementId, '');
}

/** The hot state says the requirement is paid (grabs already stopped at `chosen`); one step, nothing if not loaded. */
export async function markRequirementPaid(ctx: Ctx, requirementId: number): Promise<void> {
  await ctx.lua.markPaid({ meta: requirementKeys(requirementId).meta }, {});
}

/** This server's release plan (TIER_DELAYS), told to scripts that create requirements beside it (`npm run seed`). */
export async function announceReleasePlan(ctx: Ctx): Promise<void> {
  await ctx.redis.set(releasePlanKey, JSON.stringify(ctx.config.releasePlan));
}

/** The release plan the running server announced, if any. */
export async function announcedReleasePlan(ctx: Ctx): Promise<Config['releasePlan'] | null> {
  const plan = await ctx.redis.get(releasePlanKey);
  return plan ? JSON.parse(plan) : null;
}

/**
 * Wins of this requirement whose follow-up (deadline scheduled, events published) has not finished:
 * a win is answered first and followed up after (grab.ts). A caller that must see the engine quiet
 * before it moves on (the simulator, before it advances its clock) waits for none.
 */
export async function winsInFlight(ctx: Ctx, requirementId: number): Promise<number> {
  return ctx.redis.scard(requirementKeys(requirementId).unsynced);
}
