/**
 * After OAuth: a WeChat user binds to the planner account ops created (the bind page posts the
 * one-time code), and the JS-SDK signature for in-WeChat pages (ticket shared in Redis like the token).
 */
import { randomInt } from 'node:crypto';
import Router from '@koa/router';
import { z } from 'zod';
import type { Ctx } from '../context.js';
import { fromRejection, refusal } from '../errors.js';
import { Prisma } from '../generated/prisma/client.js';
import { refreshPlanner } from '../grab/index.js';
import { requireRole } from '../http/auth.js';
import { json } from '../http/body.js';
import { validationError } from '../http/errors.js';
import { wechatKeys } from '../infra/keys.js';
import { COOKIE, issueSession, verifySession } from '../session/index.js';

const openidOfPlanner = async (app: Ctx, id: number) =>
  (await app.db.planner.findUnique({ where: { id }, select: { openid: true } }))?.openid ?? null;
const openidOfTraveler = async (app: Ctx, id: number) =>
  (await app.db.traveler.findUnique({ where: { id }, select: { openid: true } }))?.openid ?? null;

/** Every wrong code gets these words, whether unknown, spent or expired: nothing to enumerate. */
export const BAD_CODE_WORDS = '绑定码无效或已过期，请向运营索取新的绑定码。';
const bindInput = z.object(
  { code: z.string({ error: '请填写绑定码' }).trim().min(1, '请填写绑定码').max(20, BAD_CODE_WORDS) },
  { error: 'body must be a JSON object' },
);

export function bindRoutes(app: Ctx): Router {
  const r = new Router();
  const secure = app.config.https;

  r.post('/api/wechat/bind', requireRole(app, ['guest', 'traveler', 'planner']), json, async (ctx) => {
    const parsed = bindInput.safeParse(ctx.request.body);
    if (!parsed.success) throw validationError(parsed.error, ctx.request.body);
    const s = ctx.state.session!;
    const openid =
      s.role === 'guest' ? s.openid! : s.role === 'planner' ? await openidOfPlanner(app, s.id) : await openidOfTraveler(app, s.id);
    if (!openid) throw refusal('FORBIDDEN', 'sign in through WeChat first');
    const result = await bindPlanner(app, openid, parsed.data.code, ctx.ip);
    if (!result.ok) throw fromRejection(result, 'code', { code: result.message });
    const p = result.planner;
    issueSession(ctx, app.sessionSecret, { role: 'planner', id: p.id }, { now: app.now(), secure });
    ctx.body = { plannerId: p.id, name: p.name };
  });

  r.get('/api/wechat/jssdk-config', async (ctx) => {
    if (!verifySession(app.sessionSecret, ctx.cookies.get(COOKIE), app.now())) throw refusal('UNAUTHORIZED', 'sign in first');
    const url = String(ctx.query.url ?? '').split('#')[0];
    const origin = new URL(app.config.PUBLIC_URL).origin;
    if (!url.startsWith(`${origin}/`)) throw refusal('VALIDATION', `url: must be a page of ${origin}`, 'url');
    ctx.body = await app.wechat.jssdkConfig(url).catch((err: Error) => {
      throw refusal('WECHAT_UNAVAILABLE', `WeChat did not give a JS-SDK ticket (${err.message.slice(0, 80)}); try again in a moment`);
    });
  });

  return r;
}

/** Codes ops hand out: 8 characters from 31 (no 0/O, 1/I/L), random: 8.5×10¹¹ possibilities. */
const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const BIND_CODE = /^[2-9A-HJ-NP-Z]{8}$/;
export const BIND_CODE_TTL_MS = 7 * 86_400_000;
const ATTEMPT_WINDOW_MS = 10 * 60_000;
const ATTEMPTS_PER_USER = 10;
const ATTEMPTS_PER_IP = 30;

export function newBindCode(): { bindCode: string; bindCodeExpiresAt: Date } {
  let code = '';
  for (let i = 0; i < 8; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return { bindCode: code, bindCodeExpiresAt: new Date(Date.now() + BIND_CODE_TTL_MS) };
}

export type BindResult =
  | { ok: true; planner: { id: number; name: string } }
  | { ok: false; code: 'BAD_CODE' | 'ALREADY_BOUND' | 'RATE_LIMITED'; message: string };

/**
 * Spends ops' one-time code to tie a WeChat openid to a planner account (reply 绑定 <code>, or the
 * bind page after OAuth). Attempts are limited per WeChat user and per client address (`ip`: the
 * bind page; the reply path comes from WeChat's servers), before the code is even looked at.
 */
export async function bindPlanner(app: Ctx, openid: string, code: string, ip?: string): Promise<BindResult> {
  const allowed = await Promise.all([
    app.lua.rateLimit({ counter: wechatKeys.bindByUser(openid) }, { limit: ATTEMPTS_PER_USER, windowMs: ATTEMPT_WINDOW_MS }),
    ip ? app.lua.rateLimit({ counter: wechatKeys.bindByIp(ip) }, { limit: ATTEMPTS_PER_IP, windowMs: ATTEMPT_WINDOW_MS }) : 1,
  ]);
  if (allowed.includes(0)) return { ok: false, code: 'RATE_LIMITED', message: '绑定尝试太频繁，请 10 分钟后再试。' };
  const already = await app.db.planner.findUnique({ where: { openid }, select: { name: true } });
  if (already) return { ok: false, code: 'ALREADY_BOUND', message: `这个微信已绑定定制师「${already.name}」。` };
  const normalized = code.trim().toUpperCase();
  if (!BIND_CODE.test(normalized)) return { ok: false, code: 'BAD_CODE', message: BAD_CODE_WORDS };
  let count: number;
  try {
    ({ count } = await app.db.planner.updateMany({
      where: { bindCode: normalized, openid: null, bindCodeExpiresAt: { gt: new Date(app.now()) } },
      data: { openid, bindCode: null, bindCodeExpiresAt: null },
    }));
  } catch (err) {
    // The same WeChat user binding twice at once: the openid's unique index lets one through.
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')
      return { ok: false, code: 'ALREADY_BOUND', message: '这个微信已绑定定制师账号。' };
    throw err;
  }
  if (count === 0) return { ok: false, code: 'BAD_CODE', message: BAD_CODE_WORDS };
  const p = (await app.db.planner.findUnique({ where: { openid }, select: { id: true, name: true } }))!;
  await refreshPlanner(app, p.id);
  return { ok: true, planner: p };
}
