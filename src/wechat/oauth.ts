/**
 * WeChat web OAuth for the H5 pages （网页授权， snsapi_base): /auth/wechat sends the browser to WeChat
 * with a signed `state` (the page to return to, a nonce also kept in a cookie, an expiry); the
 * callback checks all three, exchanges the code for the openid (two plain HTTP calls: co-wechat-oauth
 * hard-codes WeChat's hosts) and issues the session. `next` is a same-origin path or nothing:
 * never an open redirect.
 */
import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Ctx } from '../context.js';
import { refusal } from '../errors.js';
import { plannerIdByOpenid } from '../grab/index.js';
import { issueSession, readToken, signToken } from '../session/index.js';

const STATE_TTL_MS = 10 * 60_000;
const NONCE_COOKIE = 'oauth_nonce';

/** A path on this site: "/x…", not "//host", not "/\host", no scheme, no control characters. */
export function safeNext(next: unknown): string | null {
  if (typeof next !== 'string' || next.length > 500) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (!/^\/(?![/\\])/.test(next) || /[\u0000-\u001f\\]/.test(next)) return null;
  try {
    const u = new URL(next, 'http://x.invalid');
    return u.host === 'x.invalid' ? u.pathname + u.search + u.hash : null;
  } catch {
    return null;
  }
}

export const signState = (secret: string, s: { next: string; nonce: string; exp: number }): string => signToken(secret, 'oauth-state', s);

export function verifyState(secret: string, state: string, nowMs: number): { next: string; nonce: string } | null {
  const s = readToken<{ next: string; nonce: string; exp: number }>(secret, 'oauth-state', state);
  return s && typeof s.exp === 'number' && s.exp > nowMs && safeNext(s.next) ? s : null;
}

export function oauthRoutes(app: Ctx, apiBase: () => string, authorizeBase: () => string): Router {
  const r = new Router();
  const secure = app.config.https;

  r.get('/auth/wechat', (ctx) => {
    // (`again=1` marks a second attempt after a stale sign-in; it travels in redirect_uri to the callback.)
    const next = ctx.query.next === undefined ? '/' : safeNext(ctx.query.next);
    if (!next) throw refusal('VALIDATION', 'next: must be a path on this site, like /h5/pool', 'next');
    const nonce = randomBytes(12).toString('base64url');
    const state = signState(app.sessionSecret, { next, nonce, exp: app.now() + STATE_TTL_MS });
    ctx.cookies.set(NONCE_COOKIE, nonce, { httpOnly: true, sameSite: 'lax', secure, maxAge: STATE_TTL_MS, overwrite: true });
    const q = new URLSearchParams({
      appid: app.config.wechat.appid,
      redirect_uri: `${app.config.PUBLIC_URL.replace(/\/$/, '')}/auth/wechat/callback${ctx.query.again === '1' ? '?again=1' : ''}`,
      response_type: 'code',
      scope: 'snsapi_base',
      state,
    });
    ctx.redirect(`${authorizeBase()}/connect/oauth2/authorize?${q}#wechat_redirect`);
  });

  /** A browser whose sign-in went stale (expired, cookie lost) starts again once, then is told in words. */
  const startAgain = (ctx: Context, next: string, message: string) => {
    if (!String(ctx.get('accept')).includes('text/html')) throw refusal('BAD_STATE', message, 'state');
    if (ctx.query.again !== '1') return ctx.redirect(`/auth/wechat?${new URLSearchParams({ next, again: '1' })}`);
    ctx.status = 400;
    ctx.type = 'html';
    ctx.body = `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>登录没有完成</title><p style="font:16px sans-serif;margin:2em">登录没有完成：这个浏览器没有保存登录信息(Cookie)。请允许 Cookie 后<a href="/auth/wechat?next=${encodeURIComponent(next)}">重新登录</a>。</p>`;
  };

  r.get('/auth/wechat/callback', async (ctx) => {
    const s = verifyState(app.sessionSecret, String(ctx.query.state ?? ''), app.now());
    if (!s) return startAgain(ctx, '/', 'state: forged, expired or malformed; start again from /auth/wechat');
    const cookieNonce = ctx.cookies.get(NONCE_COOKIE);
    if (!cookieNonce || cookieNonce !== s.nonce) return startAgain(ctx, s.next, 'state: not started in this browser');
    const code = String(ctx.query.code ?? '');
    if (!code) throw refusal('VALIDATION', 'code: missing (the user declined?)', 'code');
    const q = new URLSearchParams({
      appid: app.config.wechat.appid,
      secret: app.config.WECHAT_SECRET ?? 'sandbox-secret',
      code,
      grant_type: 'authorization_code',
    });
    // WeChat down or slow is WeChat's failure (502), not ours, and the browser is not kept waiting.
    const res = (await fetch(`${apiBase()}/sns/oauth2/access_token?${q}`, { signal: AbortSignal.timeout(app.config.UPSTREAM_TIMEOUT_MS) })
      .then((x) => x.json())
      .catch(() => null)) as { openid?: string; errcode?: number; errmsg?: string } | null;
    if (!res) throw refusal('WECHAT_UNAVAILABLE', 'WeChat did not answer the sign-in; try again in a moment');
    if (!res.openid) throw refusal('OAUTH_FAILED', `code: WeChat refused it (${res.errcode ?? '?'} ${res.errmsg ?? ''})`.trim(), 'code');

    const plannerId = await plannerIdByOpenid(app, res.openid);
    if (plannerId && app.revocations.suspended(`planner:${plannerId}`)) {
      // A session would be refused at once and the page would send the browser here again: say why instead.
      ctx.status = 403;
      ctx.type = 'html';
      ctx.body =
        '<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>账号已暂停</title><p style="font:16px sans-serif;margin:2em">你的定制师账号已暂停使用。如有疑问，请联系运营。</p>';
      return;
    }
    const traveler = plannerId ? null : await app.db.traveler.findUnique({ where: { openid: res.openid }, select: { id: true } });
    const session = plannerId
      ? { role: 'planner' as const, id: plannerId }
      : traveler
        ? { role: 'traveler' as const, id: traveler.id }
        : { role: 'guest' as const, id: 0, openid: res.openid }; // known only by WeChat: may bind or submit a trip
    ctx.cookies.set(NONCE_COOKIE, null);
    issueSession(ctx, app.sessionSecret, session, { now: app.now(), secure });
    ctx.redirect(s.next);
  });

  return r;
}
