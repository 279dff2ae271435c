/**
 * After OAuth: a WeChat user binds to the planner account ops created (the bind page posts the
 * one-time code), and the JS-SDK signature for in-WeChat pages (ticket shared in Redis like the token).
 */
import { createHash, randomBytes } from 'node:crypto';
import Router from '@koa/router';
import { z } from 'zod';
import type { Ctx } from '../context.js';
import { requireRole } from '../http/auth.js';
import { HttpError, validationError } from '../http/errors.js';
import { COOKIE, signSession, verifySession } from '../session/session.js';
import { refreshPlanner } from '../grab/hot-state.js';
import { withLock } from '../grab/lock.js';

const bindInput = z.object({ code: z.string({ error: 'is required' }).regex(/^\d{6}$/, 'must be the 6-digit code from ops') }, { error: 'body must be a JSON object' });

const TICKET_KEY = 'wx:jsapi_ticket';

export function bindRoutes(app: Ctx): Router {
  const r = new Router();
  const secure = app.config.PUBLIC_URL.startsWith('https://');

  r.post('/api/wechat/bind', requireRole(app, 'guest'), async (ctx) => {
    const parsed = bindInput.safeParse(ctx.request.body);
    if (!parsed.success) throw validationError(parsed.error);
    const p = await bindPlanner(app, ctx.state.session!.openid!, parsed.data.code);
    if (!p) throw new HttpError(400, 'BAD_CODE', 'code: unknown or already used; ask ops for a new one', 'code');
    ctx.cookies.set(COOKIE, signSession(app.sessionSecret, { role: 'planner', id: p.id }, app.now()), { httpOnly: true, sameSite: 'lax', secure, overwrite: true });
    ctx.body = { plannerId: p.id, name: p.name };
  });

  r.get('/api/wechat/jssdk-config', async (ctx) => {
    if (!verifySession(app.sessionSecret, ctx.cookies.get(COOKIE), app.now())) throw new HttpError(401, 'UNAUTHORIZED', 'sign in first');
    const url = String(ctx.query.url ?? '').split('#')[0];
    const origin = new URL(app.config.PUBLIC_URL).origin;
    if (!url.startsWith(`${origin}/`)) throw new HttpError(400, 'VALIDATION', `url: must be a page of ${origin}`, 'url');
    const ticket = await jsapiTicket(app);
    const nonceStr = randomBytes(8).toString('hex');
    const timestamp = Math.floor(app.now() / 1000);
    // WeChat JS-SDK 附录1: sha1 of the four fields in this order, as a query string.
    const signature = createHash('sha1').update(`jsapi_ticket=${ticket}&noncestr=${nonceStr}&timestamp=${timestamp}&url=${url}`).digest('hex');
    ctx.body = { appId: app.config.wechat.appid, timestamp, nonceStr, signature };
  });

  return r;
}

/**
 * Spends ops' one-time code to tie a WeChat openid to a planner account (reply 绑定 <code>, or the
 * bind page after OAuth). Null when the code is unknown or already used.
 */
export async function bindPlanner(app: Ctx, openid: string, code: string): Promise<{ id: number; name: string } | null> {
  const { count } = await app.db.planner.updateMany({ where: { bindCode: code, openid: null }, data: { openid, bindCode: null } });
  if (count === 0) return null;
  const p = (await app.db.planner.findUnique({ where: { openid }, select: { id: true, name: true } }))!;
  await refreshPlanner(app, p.id);
  return p;
}

/** The jsapi ticket, shared by all processes and fetched by one at a time. */
async function jsapiTicket(app: Ctx): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const cached = await app.redis.get(TICKET_KEY);
    if (cached) return cached;
    const got = await withLock(app.redis, `${TICKET_KEY}:lock`, 10_000, async () => {
      const again = await app.redis.get(TICKET_KEY);
      if (again) return again;
      const token = await app.wechat.accessToken();
      const res = (await fetch(`${app.wechatApiBase()}/cgi-bin/ticket/getticket?access_token=${token}&type=jsapi`).then((x) => x.json())) as { ticket?: string; expires_in?: number; errcode?: number; errmsg?: string };
      if (!res.ticket) throw new HttpError(502, 'WECHAT', `WeChat refused the JS-SDK ticket (${res.errcode} ${res.errmsg})`);
      await app.redis.set(TICKET_KEY, res.ticket, 'EX', Math.max(60, (res.expires_in ?? 7200) - 300));
      return res.ticket;
    });
    if (got) return got;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  throw new HttpError(503, 'BUSY', 'JS-SDK ticket refresh is taking too long');
}
