/** 基础接口: access tokens (token, stable_token) and the JS-SDK ticket, as WeChat documents them. */
import { randomBytes } from 'node:crypto';
import type Router from '@koa/router';
import type { Ctx } from '../../context.js';
import { err, K, type Kit, TOKEN_TTL_SEC } from './kit.js';

export function tokenRoutes(app: Ctx, r: Router, k: Kit) {
  const { appid, tokenOk, issueToken } = k;
  /** The old endpoint, as WeChat has it: every call issues a new token and revokes the one before. */
  r.get('/cgi-bin/token', async (ctx) => {
    if (ctx.query.appid !== appid) return err(ctx, 40013, 'invalid appid');
    const previous = await app.redis.get(K.stableToken);
    const token = await issueToken();
    if (previous) await app.redis.set(K.token(previous), 'expired', 'KEEPTTL');
    await app.redis.set(K.stableToken, token, 'EX', TOKEN_TTL_SEC);
    ctx.body = { access_token: token, expires_in: TOKEN_TTL_SEC };
  });

  /**
   * stable_token: normal mode hands every caller the current token until it expires (nobody's
   * token is revoked); force_refresh issues a new one and ends the old.
   */
  r.post('/cgi-bin/stable_token', async (ctx) => {
    const b = (ctx.request.body ?? {}) as { grant_type?: string; appid?: string; secret?: string; force_refresh?: boolean };
    if (b.grant_type !== 'client_credential') return err(ctx, 40002, 'invalid grant_type');
    if (b.appid !== appid) return err(ctx, 40013, 'invalid appid');
    const current = await app.redis.get(K.stableToken);
    if (current && !b.force_refresh && (await app.redis.get(K.token(current))) === 'ok') {
      ctx.body = { access_token: current, expires_in: Math.max(1, await app.redis.ttl(K.token(current))) };
      return;
    }
    const token = await issueToken();
    if (current) await app.redis.set(K.token(current), 'expired', 'KEEPTTL');
    await app.redis.set(K.stableToken, token, 'EX', TOKEN_TTL_SEC);
    ctx.body = { access_token: token, expires_in: TOKEN_TTL_SEC };
  });

  r.get('/cgi-bin/ticket/getticket', async (ctx) => {
    if (!(await tokenOk(ctx))) return;
    if (ctx.query.type !== 'jsapi') return err(ctx, 40097, 'invalid args');
    const ticket = randomBytes(24).toString('base64url');
    await app.redis.set(K.ticket(ticket), 'ok', 'EX', TOKEN_TTL_SEC);
    ctx.body = { errcode: 0, errmsg: 'ok', ticket, expires_in: TOKEN_TTL_SEC };
  });

  // --- web OAuth: choose who you are (a page), or say it (?openid=, for scripts) ---
}
