/**
 * One grab, from any channel (H5, PC, WeChat reply, system dispatch). Order of steps:
 *   1. per-IP rate limit and the planner-side reservation (reservePlanner-5), in parallel;
 *   2. the requirement-side decision (grab-8): one atomic step on the requirement's slot;
 *   3. a win: confirm the reservation, insert the work order into PostgreSQL (journal.ts) and
 *      only then answer success; a rejection: drop the reservation.
 * Missing hot state (-100) is loaded from PostgreSQL and the step retried once.
 */
import { randomUUID } from 'node:crypto';
import type { Ctx } from '../context.js';
import type { Channel } from '../generated/prisma/enums.js';
import { fromLua, reject, type Rejection } from './codes.js';
import { dayKey, ipRateKey, plannerKeys, requirementKeys } from './keys.js';
import { ensurePlanner, ensureRequirement, requirementKeyList } from './hot-state.js';
import { persistStatus, persistWorkOrders } from './journal.js';
import { cancelPending, scheduleDeadline } from './queue.js';

const RESERVATION_TTL_MS = 10_000;

export interface Win {
  ok: true;
  workOrderId: string;
  requirementId: number;
  repeat: boolean;
  slotsLeft: number;
  contact: { name: string; phone: string };
}
export type GrabResult = Win | Rejection;

export interface GrabInput {
  plannerId: number;
  requirementId: number;
  channel: Channel;
  ip?: string;
}

/** Test hook: FAULT_INJECT=crash-after-grab kills the process between Redis and PostgreSQL. */
function faultAfterGrab(ctx: Ctx) {
  if (ctx.config.FAULT_INJECT === 'crash-after-grab') process.exit(86);
}

export async function grab(ctx: Ctx, input: GrabInput): Promise<GrabResult> {
  const result = await decide(ctx, input);
  ctx.audit.record({
    requirementId: input.requirementId,
    plannerId: input.plannerId,
    channel: input.channel,
    code: result.ok ? (result.repeat ? 'OK_REPEAT' : 'OK') : result.code,
    ip: input.ip,
  });
  return result;
}

async function decide(ctx: Ctx, { plannerId, requirementId, channel, ip }: GrabInput): Promise<GrabResult> {
  const cfg = ctx.config;
  const now = ctx.now();
  const dispatch = channel === 'dispatch';
  const pk = plannerKeys(plannerId, dayKey(now));
  const token = randomUUID();
  const reserve = () =>
    ctx.redis.reservePlanner(
      pk.meta, pk.active, pk.reservations, pk.day, pk.rate,
      requirementId, token, now, RESERVATION_TTL_MS,
      cfg.GRAB_RATE_PLANNER, cfg.GRAB_RATE_WINDOW * 1000, cfg.DAILY_GRAB_QUOTA, dispatch ? '1' : '0',
    );
  const [ipOk, first] = await Promise.all([
    ip && !dispatch ? ctx.redis.rateLimit(ipRateKey(ip), cfg.GRAB_RATE_IP, cfg.GRAB_RATE_WINDOW * 1000) : 1,
    reserve(),
  ]);
  let r = first;
  if (r === -100) {
    if (!(await ensurePlanner(ctx, plannerId))) return reject('PLANNER_NOT_FOUND');
    r = await reserve();
  }
  const reserved = Array.isArray(r) && r[0] === 0;
  const drop = () => (reserved ? ctx.redis.zrem(pk.reservations, token).then(() => {}) : Promise.resolve());
  if (!ipOk) {
    await drop();
    return reject('IP_RATE_LIMITED');
  }
  if (typeof r === 'number') return fromLua(r);
  // {0, tier, supplierId, phone, openid} reserved · {1, workOrderId, tier, supplierId} holder
  const [tier, supplierId, phone, openid] = reserved ? [r[1], r[2], r[3], r[4]] : [r[2], r[3], '', ''];

  const workOrderId = randomUUID();
  const rk = requirementKeyList(requirementId);
  const decideReq = () =>
    ctx.redis.grab(...rk, plannerId, supplierId!, tier!, phone!, openid!, workOrderId, channel, now, dispatch ? '1' : '0');
  let g = await decideReq();
  if (g === -100) {
    if (!(await ensureRequirement(ctx, requirementId))) {
      await drop();
      return reject('REQUIREMENT_NOT_FOUND');
    }
    g = await decideReq();
  }
  if (typeof g === 'number') {
    await drop();
    return fromLua(g);
  }
  const [kind, woId, filled, wanted, becameFull, contact] = g as [number, string, number, number, number, string];
  const win = (repeat: boolean): Win => ({
    ok: true,
    workOrderId: woId,
    requirementId,
    repeat,
    slotsLeft: wanted - filled,
    contact: JSON.parse(contact),
  });
  if (kind === 2) {
    await drop();
    return win(true);
  }

  faultAfterGrab(ctx);
  await ctx.redis.confirmPlanner(pk.active, pk.reservations, pk.day, requirementId, woId, token);
  await persistWorkOrders(ctx, requirementId, [[woId, { plannerId, supplierId: Number(supplierId), channel, at: now }]]);
  await scheduleDeadline(ctx, woId, now);
  const at = ctx.now();
  const slotsLeft = wanted - filled;
  await ctx.bus.publish(
    dispatch
      ? { type: 'dispatched', requirementId, plannerId, workOrderId: woId, at }
      : { type: 'grabbed', requirementId, plannerId, workOrderId: woId, slotsLeft, at },
  );
  if (becameFull) {
    await persistStatus(ctx, requirementId);
    await cancelPending(ctx, requirementId);
    const candidates = await ctx.redis.hkeys(requirementKeys(requirementId).candidates);
    await ctx.bus.publish({ type: 'full', requirementId, plannerIds: candidates.map(Number), at });
  }
  return win(false);
}
