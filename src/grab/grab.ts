/**
 * One grab, from any channel (H5, PC, WeChat reply, system dispatch). Order of steps:
 *   1. rate limits per IP and per planner, and a peek that rejects a full or closed requirement;
 *   2. the planner-side reservation (reservePlanner-4);
 *   3. the requirement-side decision (grab-8): one atomic step on the requirement's slot;
 *   4. a win: confirm the reservation, insert the work order into PostgreSQL (journal.ts) and
 *      only then answer success; a rejection: drop the reservation.
 * That is the order on a Redis Cluster, where the planner's and the requirement's keys lie in
 * different slots, and for a dispatch. A planner's grab on one Redis server runs steps 1 to 3 and
 * the confirmation as one script (grabOne-14): the same checks in the same order, one round trip.
 * Missing hot state (NOT_LOADED) is loaded from PostgreSQL and the step retried once (`orLoad`).
 * A win's events (grabbed or dispatched, and full) are published after it is recorded; the journal's
 * unsynced mark is cleared only after them, so the reconciler republishes what a crash cut short.
 */
import { randomUUID } from 'node:crypto';
import type { Ctx } from '../context.js';
import { DomainError } from '../errors.js';
import type { Channel } from '../generated/prisma/enums.js';
import { deadlineQueue } from '../infra/within.js';
import { fromLua, NOT_CANDIDATE_LUA, type Rejection, reject } from './codes.js';
import { ensurePlanner, ensureRequirement } from './hot-state.js';
import { markSynced } from './journal.js';
import { dayKey, ipRateKey, plannerKeys, requirementKeys } from './keys.js';
import { keepPromise } from './promises.js';
import { publishFull, publishWin } from './publish.js';
import { proposalDue, scheduleDeadline, scheduleOffer } from './queue.js';
import { NOT_LOADED, orLoad, REQUIREMENT_NOT_LOADED } from './scripts.js';

const RESERVATION_TTL_MS = 10_000;

export interface Win {
  ok: true;
  workOrderId: string;
  requirementId: number;
  repeat: boolean;
  slotsLeft: number;
  contact: { name: string; phone: string };
  /**
   * Won in Redis, but PostgreSQL could not record it this moment (an outage): the planner is told
   * it is being confirmed, never "won"; the reconciler records it when the database is back and the
   * win is told then (live and template message), as the record says.
   */
  confirming?: true;
  /** The proposal deadline its work order is written with (a new, recorded win; a repeat). */
  deadlineAt?: Date;
}
export type GrabResult = Win | Rejection;

export interface GrabInput {
  plannerId: number;
  requirementId: number;
  channel: Channel;
  ip?: string;
  /** The engine's own: a promised win grabbed again under its id (promises.ts); new grabs mint one. */
  workOrderId?: string;
  /** A dispatch ops made by hand (the planner's message says so), not the fallback's. */
  byOps?: boolean;
}

/** Test hooks (FAULT_INJECT): kill the process at a named point of a win, or fail the record as an outage would. */
function fault(ctx: Ctx, point: 'crash-after-grab' | 'crash-after-record') {
  if (ctx.config.FAULT_INJECT === point) process.exit(86);
}
const recordFault = (ctx: Ctx) =>
  ctx.config.FAULT_INJECT === 'record-unavailable' ? Promise.reject(new Error('FAULT_INJECT: database unavailable')) : null;

/**
 * A grab answers within this or says "try again" (503): with Redis cut, commands wait in the
 * client's queue for a reconnect, and a planner must not watch a spinner for seconds. (A grab that
 * still lands after its 503 is a win like any other: recorded, told by message, and the same grab
 * again answers it as a repeat.)
 */
const GRAB_DEADLINE_MS = 5_000;

/** The grab's work, or UNAVAILABLE after GRAB_DEADLINE_MS (one timer for every grab in flight: infra/within.ts). */
const withinDeadline = deadlineQueue(GRAB_DEADLINE_MS, () => new DomainError('UNAVAILABLE'));

/**
 * One grab. Not an async function, nor are the steps a refusal passes through (decide,
 * decideInOne): a storm is mostly refusals, and each async layer is a promise and a turn of the
 * microtask queue per grab.
 */
export function grab(ctx: Ctx, input: GrabInput): Promise<GrabResult> {
  // Answered at once while Redis is known to be away, instead of queued until it is back.
  if (ctx.redis.status !== 'ready') return Promise.reject(new DomainError('UNAVAILABLE'));
  return withinDeadline(decide(ctx, input), (result) => {
    ctx.audit.record({
      requirementId: input.requirementId,
      plannerId: input.plannerId,
      channel: input.channel,
      code: result.ok ? (result.repeat ? 'OK_REPEAT' : 'OK') : result.code,
      ip: input.ip,
      at: ctx.now(),
    });
    return result;
  });
}

/** Rule 3 told truthfully: out of the planner's scope, or in scope but not kept by matching. */
async function whyNotCandidate(ctx: Ctx, plannerId: number, requirementId: number) {
  // One pipelined read of hot state: a storm of refusals costs nothing in PostgreSQL.
  const [scope, card] = await Promise.all([
    ctx.redis.hget(plannerKeys(plannerId, dayKey(ctx.now())).meta, 'destinations'),
    ctx.redis.hget(requirementKeys(requirementId).meta, 'card'),
  ]);
  // (Hot state loaded before planners' scope was kept there: read it from PostgreSQL.)
  const mine: string[] = scope
    ? JSON.parse(scope)
    : ((await ctx.db.planner.findUnique({ where: { id: plannerId }, select: { destinations: true } }))?.destinations ?? []);
  const wanted: string[] = card ? (JSON.parse(card) as { destinations: string[] }).destinations : [];
  return reject(wanted.some((d) => mine.includes(d)) ? 'NOT_MATCHED' : 'NOT_CANDIDATE');
}

/**
 * A planner's grab on one Redis server: every step in one script (grabOne-14), the planner side
 * confirmed with the win. Hot state not in Redis is loaded and the script run again, its rate
 * limits not counted twice.
 */
function decideInOne(ctx: Ctx, input: GrabInput, now: number): Promise<GrabResult> {
  const { plannerId, requirementId, channel, ip } = input;
  const cfg = ctx.config;
  const pk = plannerKeys(plannerId, dayKey(now));
  const rk = requirementKeys(requirementId);
  const workOrderId = input.workOrderId ?? randomUUID();
  // Written out, not `{ ...rk, ipCounter, … }`: a spread followed by more properties leaves V8's fast
  // path and cost about 9 µs a grab here, a tenth of a refused grab's CPU (scripts/bench/spread.ts).
  const keys = {
    ipCounter: ipRateKey(ip ?? '-'),
    plannerCounter: pk.rate,
    plannerMeta: pk.meta,
    active: pk.active,
    reservations: pk.reservations,
    day: pk.day,
    meta: rk.meta,
    candidates: rk.candidates,
    planners: rk.planners,
    suppliers: rk.suppliers,
    expired: rk.expired,
    blocked: rk.blocked,
    workOrders: rk.workOrders,
    unsynced: rk.unsynced,
  };
  const args = {
    ipLimit: ip ? cfg.GRAB_RATE_IP : 0,
    plannerLimit: cfg.GRAB_RATE_PLANNER,
    windowMs: cfg.GRAB_RATE_WINDOW * 1000,
    plannerId,
    requirementId,
    workOrderId,
    channel,
    now,
    defaultQuota: cfg.DAILY_GRAB_QUOTA,
  };
  // A refusal the script decided alone is answered here; the rest (hot state to load, rule 3's
  // reason, a win) goes on in `afterGrabOne`.
  return ctx.lua
    .grabOne(keys, args)
    .then((g) =>
      typeof g === 'number' && g !== NOT_LOADED && g !== REQUIREMENT_NOT_LOADED && g !== NOT_CANDIDATE_LUA
        ? fromLua(g)
        : afterGrabOne(ctx, input, now, keys, args, g),
    );
}

async function afterGrabOne(
  ctx: Ctx,
  input: GrabInput,
  now: number,
  keys: Parameters<Ctx['lua']['grabOne']>[0],
  args: Parameters<Ctx['lua']['grabOne']>[1],
  first: Awaited<ReturnType<Ctx['lua']['grabOne']>>,
): Promise<GrabResult> {
  const { plannerId, requirementId } = input;
  let g = first;
  for (const loaded = new Set<number>(); g === NOT_LOADED || g === REQUIREMENT_NOT_LOADED; ) {
    const planner = g === NOT_LOADED;
    if (loaded.has(g) || !(await (planner ? ensurePlanner(ctx, plannerId) : ensureRequirement(ctx, requirementId))))
      return reject(planner ? 'PLANNER_NOT_FOUND' : 'REQUIREMENT_NOT_FOUND');
    loaded.add(g);
    g = await ctx.lua.grabOne(keys, { ...args, ipLimit: 0, plannerLimit: 0 }); // counted already
  }
  if (typeof g === 'number') {
    const rejection = fromLua(g);
    return rejection.code === 'NOT_CANDIDATE' ? whyNotCandidate(ctx, plannerId, requirementId) : rejection;
  }
  const [kind, woId, filled, wanted, becameFull, contact, grabbedAt, supplierId] = g;
  return settle(ctx, input, now, { kind, woId, filled, wanted, becameFull, contact, grabbedAt, supplierId }, null);
}

function decide(ctx: Ctx, input: GrabInput): Promise<GrabResult> {
  const now = ctx.now();
  return input.channel !== 'dispatch' && !ctx.redis.isCluster ? decideInOne(ctx, input, now) : decideStaged(ctx, input, now);
}

/** A grab on a Redis Cluster, or a dispatch: the steps one by one (the header says why). */
async function decideStaged(ctx: Ctx, input: GrabInput, now: number): Promise<GrabResult> {
  const { plannerId, requirementId, channel, ip } = input;
  const cfg = ctx.config;
  const dispatch = channel === 'dispatch';
  const pk = plannerKeys(plannerId, dayKey(now));
  const rk = requirementKeys(requirementId);
  const window = cfg.GRAB_RATE_WINDOW * 1000;

  // Stage 1, one round trip: both rate limits and a read-only peek at the requirement. In a storm
  // almost every grab meets a full requirement; the peek answers those without a reservation. It
  // only ever rejects what grab-8 would reject; grab-8 alone awards slots. The keys lie in three
  // slots, so three scripts, pipelined. (A dispatch, by the system, is not rate-limited.)
  if (!dispatch) {
    const [ipOk, plannerOk, [status, held]] = await Promise.all([
      ip ? ctx.lua.rateLimit({ counter: ipRateKey(ip) }, { limit: cfg.GRAB_RATE_IP, windowMs: window }) : 1,
      ctx.lua.rateLimit({ counter: pk.rate }, { limit: cfg.GRAB_RATE_PLANNER, windowMs: window }),
      ctx.lua.peekGrab(rk, { plannerId }),
    ]);
    if (!ipOk) return reject('IP_RATE_LIMITED');
    if (!plannerOk) return reject('RATE_LIMITED');
    if (status && !held && status !== 'open') return reject(status === 'full' ? 'FULL' : 'REQUIREMENT_CLOSED');
  }

  // Stage 2: the planner-side reservation (capacity, quota, standing).
  const token = randomUUID();
  const r = await orLoad(
    () =>
      ctx.lua.reservePlanner(pk, {
        requirementId,
        token,
        now,
        ttlMs: RESERVATION_TTL_MS,
        defaultQuota: cfg.DAILY_GRAB_QUOTA,
        dispatch,
      }),
    () => ensurePlanner(ctx, plannerId),
  );
  if (r === null) return reject('PLANNER_NOT_FOUND');
  if (typeof r === 'number') return fromLua(r);
  const reserved = r[0] === 0;
  const drop = () => (reserved ? ctx.redis.zrem(pk.reservations, token).then(() => {}) : Promise.resolve());
  // {0, tier, supplierId, phone, openid} reserved · {1, workOrderId, tier, supplierId} holder
  const [tier, supplierId, phone, openid] = r[0] === 0 ? [r[1], r[2], r[3], r[4]] : [r[2], r[3], '', ''];

  // Stage 3: the requirement-side decision.
  const workOrderId = input.workOrderId ?? randomUUID();
  const g = await orLoad(
    () => ctx.lua.grab(rk, { plannerId, supplierId, tier, phone, openid, workOrderId, channel, now, dispatch }),
    () => ensureRequirement(ctx, requirementId),
  );
  if (g === null) {
    await drop();
    return reject('REQUIREMENT_NOT_FOUND');
  }
  if (typeof g === 'number') {
    await drop();
    const rejection = fromLua(g);
    return rejection.code === 'NOT_CANDIDATE' ? whyNotCandidate(ctx, plannerId, requirementId) : rejection;
  }
  const [kind, woId, filled, wanted, becameFull, contact, grabbedAt] = g;
  if (kind === 2) await drop();
  // The planner side is confirmed while the work order is recorded (side by side: one round trip's wait).
  const confirm = () => ctx.lua.confirmPlanner(pk, { requirementId, workOrderId: woId, token, dispatch });
  return settle(ctx, input, now, { kind, woId, filled, wanted, becameFull, contact, grabbedAt, supplierId }, confirm);
}

/** What the requirement side decided: a new win (1) or the slot already held (2). */
interface Decided {
  kind: 1 | 2;
  woId: string;
  filled: number;
  wanted: number;
  becameFull: 0 | 1;
  contact: string;
  /** When the slot was won (its journal's time; null only for a journal entry gone missing). */
  grabbedAt: number | null;
  supplierId: string;
}

/**
 * A repeat is answered as it is; a new win is recorded in PostgreSQL, then answered. `confirm`
 * confirms the planner side (split path) while the record is written; null when the script did.
 */
async function settle(
  ctx: Ctx,
  input: GrabInput,
  now: number,
  { kind, woId, filled, wanted, becameFull, contact, grabbedAt, supplierId }: Decided,
  confirm: (() => Promise<unknown>) | null,
): Promise<GrabResult> {
  const { plannerId, requirementId, channel } = input;
  const dispatch = channel === 'dispatch';
  // The deadline as the record is written (proposalDue): a repeat's from its journal entry's time,
  // never from a read of PostgreSQL while a storm keeps it busy. (One literal, no spread: see decideInOne.)
  const win = (repeat: boolean, at: number | null, confirming?: true): Win => {
    const w: Win = { ok: true, workOrderId: woId, requirementId, repeat, slotsLeft: wanted - filled, contact: JSON.parse(contact) };
    if (confirming) w.confirming = true;
    else if (at !== null) w.deadlineAt = new Date(proposalDue(ctx.config.PROPOSAL_DEADLINE, at));
    return w;
  };
  if (kind === 2) return win(true, grabbedAt);

  fault(ctx, 'crash-after-grab');
  const confirmed = confirm?.();
  try {
    // The last slot: PostgreSQL says full (in the same statement) before anyone is told.
    const row = { id: woId, requirementId, plannerId, supplierId: Number(supplierId), channel, at: now, madeFull: becameFull === 1 };
    await (recordFault(ctx) ?? ctx.recorder.record(row));
  } catch (err) {
    // The slot is held in Redis (its journal entry stays unsynced); this process keeps the promise
    // too, and records it the moment PostgreSQL answers (promises.ts), even if Redis loses it first.
    await confirmed;
    ctx.log.warn({ err: (err as Error).message, requirementId, workOrderId: woId }, 'win not recorded yet: answered as being confirmed');
    keepPromise(ctx, woId, { requirementId, plannerId, channel, grab });
    return win(false, null, true);
  }
  await confirmed;
  fault(ctx, 'crash-after-record');
  // Recorded: the winner can be told. The rest follows the answer; a crash in it leaves the
  // journal mark set, and the reconciler redoes it (each step is idempotent).
  const byOps = input.byOps === true;
  void afterWin(ctx, {
    requirementId,
    plannerId,
    woId,
    dispatch,
    slotsLeft: wanted - filled,
    becameFull: becameFull === 1,
    at: now,
    byOps,
  }).catch((err) => ctx.log.error({ err, requirementId, workOrderId: woId }, 'after-win steps failed; the reconciler will redo them'));
  return win(false, now);
}

interface Won {
  requirementId: number;
  plannerId: number;
  woId: string;
  dispatch: boolean;
  slotsLeft: number;
  becameFull: boolean;
  at: number;
  byOps: boolean;
}

async function afterWin(ctx: Ctx, w: Won): Promise<void> {
  const { requirementId, plannerId, woId } = w;
  await scheduleDeadline(ctx, woId, w.at);
  if (w.dispatch) await scheduleOffer(ctx, woId, w.at);
  await publishWin(ctx, {
    requirementId,
    plannerId,
    workOrderId: woId,
    dispatch: w.dispatch,
    slotsLeft: w.slotsLeft,
    at: w.at,
    byOps: w.byOps,
  });
  if (w.becameFull) await publishFull(ctx, requirementId);
  await markSynced(ctx, requirementId, [woId]);
}
