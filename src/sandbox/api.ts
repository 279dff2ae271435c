/**
 * The local WeChat: the parts of WeChat's HTTP API this product calls, spoken in WeChat's own
 * protocol (paths, query, JSON, errcodes) so the real clients talk to it unchanged but for their
 * base URL. Mounted at /sandbox when WECHAT_APPID is unset. State lives in Redis, so every
 * instance serves the same sandbox. Faults are switched on by tests and people through /sandbox/faults.
 */
import Router from '@koa/router';
import type { Ctx } from '../context.js';
import { json } from '../http/body.js';
import { accountRoutes } from './wechat/account.js';
import { controlRoutes } from './wechat/control.js';
import { K, kitOf } from './wechat/kit.js';
import { massRoutes } from './wechat/mass.js';
import { messagesRoutes } from './wechat/messages.js';
import { oauthRoutes } from './wechat/oauth.js';
import { tokenRoutes } from './wechat/token.js';
import { usersRoutes } from './wechat/users.js';

export type { Faults, SandboxUser } from './wechat/kit.js';

export function sandboxApi(app: Ctx): Router {
  const r = new Router({ prefix: '/sandbox' });
  r.use(json);
  r.use(async (ctx, next) => {
    const slow = Number(await app.redis.hget(K.faults, 'slowMs')) || 0;
    if (slow && ctx.path.startsWith('/sandbox/cgi-bin/')) await new Promise((ok) => setTimeout(ok, slow));
    return next();
  });
  const k = kitOf(app);
  // As WeChat's documentation groups them.
  for (const part of [tokenRoutes, accountRoutes, messagesRoutes, usersRoutes, massRoutes, oauthRoutes, controlRoutes]) part(app, r, k);
  return r;
}
