/** The Koa application: error rendering, body parsing with a size limit, health, and each capability's routes. */
import Koa from 'koa';
import Router from '@koa/router';
import type { Ctx } from '../context.js';
import { errors } from './errors.js';
import { securityHeaders } from './headers.js';
import { canonicalHost } from './canonical.js';
import { sessionOf } from './auth.js';
import { COOKIE } from '../session/session.js';
import { opsRoutes } from '../ops/routes.js';
import { plannerRoutes } from '../planner/routes.js';
import { wechatRoutes } from '../wechat/callback.js';
import { sandboxApi } from '../sandbox/api.js';
import { sandboxPhone } from '../sandbox/phone.js';
import { oauthRoutes } from '../wechat/oauth.js';
import { bindRoutes } from '../wechat/bind.js';
import { travelerRoutes } from '../traveler/routes.js';
import { pageRoutes } from '../web/pages.js';

export function createApp(app: Ctx): Koa {
  // Only the configured number of proxies' X-Forwarded-For entries are believed (ctx.ip).
  const koa = new Koa({ proxy: app.config.TRUST_PROXY > 0, maxIpsCount: app.config.TRUST_PROXY });
  // Errors after the answer (a client gone, node's own 408 on a request timeout) go to the log, not stderr.
  koa.on('error', (err: Error & { code?: string }) => {
    const clientSide =
      err.code === 'ECONNRESET' ||
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ||
      err.message === 'Request timeout' ||
      err.message === 'aborted';
    app.log[clientSide ? 'debug' : 'error']({ err }, 'request failed after its answer');
  });
  koa.use(securityHeaders(app.config));
  koa.use(errors(app.log));
  koa.use(canonicalHost(app.config.PUBLIC_URL));
  // No body parser here: each route parses its body after authenticating (http/body.ts).

  const health = new Router();
  health.get('/healthz', async (ctx) => {
    const [redis, db] = await Promise.all([
      app.redis.ping().then(
        () => true,
        () => false,
      ),
      app.db.$queryRaw`SELECT 1`.then(
        () => true,
        () => false,
      ),
    ]);
    ctx.status = redis && db ? 200 : 503;
    ctx.body = { ok: redis && db, redis, database: db };
  });

  // Who am I: the pages ask when their stream fails (a 401 stops the retries).
  health.get('/api/session', (ctx) => {
    const s = sessionOf(app, ctx.cookies.get(COOKIE));
    ctx.set('cache-control', 'no-store');
    if (!s) {
      ctx.status = 401;
      ctx.body = { error: { code: 'UNAUTHORIZED', message: 'sign in first (no valid session)' } };
      return;
    }
    ctx.body = { role: s.role, id: s.id };
  });

  // WeChat's OAuth page lives on open.weixin.qq.com; in the sandbox, beside the rest of its API.
  // The browser goes there: in the sandbox, PUBLIC_URL's host (where its cookies are), not the local address the server calls itself on.
  const authorizeBase = () =>
    app.config.sandbox
      ? (app.config.wechat.apiBase ?? `${app.config.PUBLIC_URL.replace(/\/$/, '')}/sandbox`)
      : 'https://open.weixin.qq.com';
  const routers = [
    health,
    wechatRoutes(app),
    oauthRoutes(app, app.wechatApiBase, authorizeBase),
    bindRoutes(app),
    opsRoutes(app),
    plannerRoutes(app),
    travelerRoutes(app),
    pageRoutes(app),
    ...(app.config.sandbox ? [sandboxApi(app), sandboxPhone(app)] : []),
  ];
  for (const r of routers) koa.use(r.routes()).use(r.allowedMethods());
  return koa;
}
