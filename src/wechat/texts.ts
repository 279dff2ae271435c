/**
 * What a text sent to the official account does (CONTRACT: reply commands). Business only: the
 * callback (callback.ts) has already verified, decrypted and parsed; the returned string becomes
 * the passive reply. A grab goes through the same grab service as the H5 page (channel wechat).
 */

import type { Ctx } from '../context.js';
import { budget, chinaTime, partyWords } from '../format.js';
import { grab, plannerIdByOpenid, poolFor, requirementIdByCode } from '../grab/index.js';
import { PLANNER_STATUS, wordFor } from '../shared/words.js';
import { bindPlanner } from './bind.js';

export const HELP = [
  '可用指令：',
  '抢 <编号> — 抢单，例如 抢 ABC234',
  '池 — 我的抢单池',
  '单 — 我的工单',
  '绑定 <绑定码> — 绑定定制师账号',
  '帮助 — 显示本说明',
].join('\n');

const GRAB = /^(?:抢|grab)\s*([A-Za-z0-9]{4,10})$/i;
const BIND = /^(?:绑定|bind)\s*(\S{1,20})$/i;
const POOL = /^(?:池|pool)$/i;
const GRAB_ALONE = /^(?:抢|grab)$/i;
const ORDERS = /^(?:单|orders)$/i;
const HELP_CMD = /^(?:帮助|help|\?|？)$/i;

/** Who is asking, and which requirement a grab names. */
export interface Asker {
  plannerId: number | null;
  requirementId: number | null;
}

/** What a planner command needs looked up: its sender, and a grab's code. */
export interface Needs {
  code: string | null;
}

/** What a text needs looked up (null for help, bind and anything not a planner command): the one place texts are classified for it. */
export function lookupsNeeded(text: string): Needs | null {
  const content = text.trim();
  if (HELP_CMD.test(content) || GRAB_ALONE.test(content) || BIND.test(content)) return null;
  const code = GRAB.exec(content)?.[1].toUpperCase() ?? null;
  return code || POOL.test(content) || ORDERS.test(content) ? { code } : null;
}

/** What Redis already answered for those lookups (arrive-5.lua); a miss is looked up again, then in PostgreSQL. */
export interface HotLookups {
  plannerId: string | null;
  requirementId: string | null;
}

/**
 * The lookups a planner command needs, read-only: the callback starts them as the message arrives,
 * so they share its first round trip to Redis with the replay guard and the claim. The answer
 * itself, not a promise, when Redis answered both (a storm's replies, all of them).
 */
export function lookupsFor(ctx: Ctx, openid: string, needs: Needs, hot?: HotLookups): Asker | Promise<Asker> {
  const code = needs.code;
  if (hot?.plannerId && (!code || hot.requirementId))
    return { plannerId: Number(hot.plannerId), requirementId: code ? Number(hot.requirementId) : null };
  return Promise.all([
    hot?.plannerId ? Number(hot.plannerId) : plannerIdByOpenid(ctx, openid),
    !code ? null : hot?.requirementId ? Number(hot.requirementId) : requirementIdByCode(ctx, code),
  ]).then(([plannerId, requirementId]) => ({ plannerId, requirementId }));
}

/**
 * `prefetched`: lookupsFor's answer for this text, when the caller started it already. Not an async
 * function (delivery.ts once() says why); it never throws, it rejects.
 */
export function handleText(ctx: Ctx, openid: string, text: string, prefetched?: Asker | Promise<Asker> | null): Promise<string> {
  const content = text.trim();
  let m: RegExpExecArray | null;
  if (HELP_CMD.test(content)) return Promise.resolve(HELP);
  if (GRAB_ALONE.test(content))
    return Promise.resolve('请在「抢」后面加上需求编号，例如：抢 ABC234。编号在新需求通知里，回复「池」也能看到。');
  if ((m = BIND.exec(content))) return bind(ctx, openid, m[1]);

  const needs = lookupsNeeded(content);
  if (!needs) return Promise.resolve(`没有看懂「${content.slice(0, 20)}」。\n${HELP}`);
  // Who is asking and (for a grab) which requirement: looked up side by side, one round trip.
  return plannerCommand(ctx, content, needs, prefetched ?? lookupsFor(ctx, openid, needs));
}

/**
 * A planner command (`needs`: lookupsNeeded's answer for `text`, not null) once its lookups are
 * started: what handleText does for one, for a caller that classified the text already.
 */
export function plannerCommand(ctx: Ctx, text: string, needs: Needs, asker: Asker | Promise<Asker>): Promise<string> {
  const content = text.trim();
  return asker instanceof Promise ? asker.then((a) => command(ctx, content, needs, a)) : command(ctx, content, needs, asker);
}

function command(ctx: Ctx, content: string, needs: Needs, { plannerId, requirementId }: Asker): Promise<string> {
  if (!plannerId) return Promise.resolve('你还没有绑定定制师账号。请回复「绑定 <绑定码>」，绑定码由运营提供。');
  if (needs.code) return grabByCode(ctx, plannerId, needs.code, requirementId);
  return POOL.test(content) ? pool(ctx, plannerId) : orders(ctx, plannerId);
}

function grabByCode(ctx: Ctx, plannerId: number, code: string, requirementId: number | null): Promise<string> {
  if (!requirementId) return Promise.resolve(`抢单失败：没有编号为 ${code} 的需求`);
  return grab(ctx, { plannerId, requirementId, channel: 'wechat' }).then((r) => {
    if (!r.ok) return `抢单失败：${r.message}`;
    if (r.confirming) return `已抢到需求 ${code} 的名额，系统正在确认记录（稍有延迟）。确认后会通知你，并附上客户联系方式。`;
    const head = r.repeat ? `抢单成功（你已抢到 ${code})` : `抢单成功！需求 ${code}`;
    const deadlineH = Math.round(ctx.config.PROPOSAL_DEADLINE / 3600);
    return `${head}\n联系人：${r.contact.name} ${r.contact.phone}\n请在 ${deadlineH} 小时内提交方案。`;
  });
}

async function pool(ctx: Ctx, plannerId: number): Promise<string> {
  const items = await poolFor(ctx, plannerId);
  if (items.length === 0) return '抢单池里暂时没有需求。有新需求时会通知你。';
  const lines = items
    .slice(0, 10)
    .map(
      (i) =>
        `${i.code} ${i.destinations.join('/')} ${i.departDate.slice(5)}~${i.returnDate.slice(5)} ${partyWords(i.adults, i.children)} 预算${budget(i.budgetFen, i.budgetType)} 余${i.slotsLeft}席`,
    );
  const more = items.length > 10 ? `\n…共 ${items.length} 条` : '';
  return `抢单池（回复「抢 编号」抢单）:\n${lines.join('\n')}${more}`;
}

async function orders(ctx: Ctx, plannerId: number): Promise<string> {
  const rows = await ctx.db.workOrder.findMany({
    where: { plannerId },
    orderBy: { grabbedAt: 'desc' },
    take: 10,
    include: { requirement: { select: { code: true, destinations: true } } },
  });
  if (rows.length === 0) return '你还没有工单。回复「池」看看可抢的需求。';
  return `我的工单：\n${rows.map((w) => `${w.requirement.code} ${w.requirement.destinations.join('/')} ${wordFor(PLANNER_STATUS, w.status)}${w.status === 'active' ? ` 截止 ${chinaTime(w.deadlineAt)}` : ''}`).join('\n')}`;
}

/** One-time code from ops: ties this WeChat to the planner account, then the code is spent. */
async function bind(ctx: Ctx, openid: string, code: string): Promise<string> {
  const r = await bindPlanner(ctx, openid, code);
  if (r.ok) return `绑定成功！你好，${r.planner.name}。回复「池」查看抢单池，「帮助」查看全部指令。`;
  return r.code === 'ALREADY_BOUND' ? r.message : `绑定失败：${r.message}`;
}
