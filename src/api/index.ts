/**
 * Every HTTP surface of the product, in one list: health and "who am I", the three users' APIs
 * (planner, traveler, ops), WeChat's callback, OAuth and binding, the pages, and the sandbox when
 * no WeChat credentials are set. The live stream is served in front of Koa (live/raw.ts).
 */
import Router from '@koa/router';
import type { Queue } from 'bullmq';
import type { Middleware } from 'koa';
import type { Ctx } from '../context.js';
import { requireRole, sessionOf } from '../http/auth.js';
import { readBody } from '../http/body.js';
import { leanRoutes } from '../http/lean.js';
import { handlePayNotify } from '../pay/index.js';
import { sandboxApi, sandboxPay, sandboxPhone } from '../sandbox/index.js';
import { COOKIE } from '../session/index.js';
import { pageRoutes } from '../web/index.js';
import { bindRoutes, leanCallback, oauthRoutes, wechatRoutes } from '../wechat/index.js';
import { opsRoutes } from './ops/index.js';
import { opsConsoleRoutes } from './ops-console.js';
import { opsQueues } from './ops-queues.js';
import { leanGrab, plannerRoutes } from './planner.js';
import { travelerRoutes } from './traveler.js';

function healthRoutes(app: Ctx): Router {
  const health = new Router();
  // Liveness: the process answers (a supervisor restarts it when it does not). Readiness below.
  health.get('/healthz', (ctx) => {
    ctx.set('cache-control', 'no-store');
    ctx.body = { ok: true, pid: process.pid, uptimeSeconds: Math.round(process.uptime()) };
  });
  // Readiness, for load balancers: Redis, PostgreSQL, migrations, the Lua scripts (infra/readiness.ts).
  health.get('/readyz', async (ctx) => {
    const r = app.ready ? await app.ready() : null;
    ctx.set('cache-control', 'no-store');
    ctx.status = r?.ready ? 200 : 503;
    ctx.body = r ?? { ready: false };
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
  // WeChat Pay's notifications (CONTRACT): verified on the raw body (pay/notify.ts), read as bytes
  // and decoded once (a chunk may end inside a Chinese character), 64 KB at most.
  health.post('/pay/notify', async (ctx) => {
    let raw: string;
    try {
      raw = (await readBody(ctx.req, 64 * 1024)).toString('utf8');
    } catch (err) {
      if ((err as { status?: number }).status !== 413) throw err;
      ctx.set('connection', 'close'); // the unread rest must not be read as the next request
      ctx.req.resume();
      ctx.status = 413;
      ctx.body = { code: 'PARAM_ERROR', message: 'body too large' };
      return;
    }
    const answer = await handlePayNotify(app, (h) => ctx.get(h) || undefined, raw);
    ctx.status = answer.status;
    if (answer.body) ctx.body = answer.body;
  });

  // Prometheus (CONTRACT): the ops API token (a scraper) or an ops session.
  health.get('/metrics', requireRole(app, 'ops'), async (ctx) => {
    ctx.type = app.metrics.contentType;
    ctx.body = await app.metrics.text();
  });
  return health;
}

/** `queues`: the BullMQ queues the ops console's dashboard shows (/ops/queues). */
export function apiRoutes(app: Ctx, queues: Queue[] = [app.queue]): (Router | Middleware)[] {
  // WeChat's OAuth page lives on open.weixin.qq.com; in the sandbox, beside the rest of its API.
  // The browser goes there: in the sandbox, PUBLIC_URL's host (where its cookies are), not the local address the server calls itself on.
  const authorizeBase = () =>
    app.config.sandbox
      ? (app.config.wechat.apiBase ?? `${app.config.PUBLIC_URL.replace(/\/$/, '')}/sandbox`)
      : 'https://open.weixin.qq.com';
  return [
    healthRoutes(app),
    wechatRoutes(app),
    oauthRoutes(app, app.wechatApiBase, authorizeBase),
    bindRoutes(app),
    opsRoutes(app),
    opsConsoleRoutes(app),
    opsQueues(app, queues),
    plannerRoutes(app),
    travelerRoutes(app),
    pageRoutes(app),
    ...(app.config.sandbox ? [sandboxApi(app), sandboxPhone(app)] : []),
    ...(app.config.pay === 'sandbox' ? [sandboxPay(app)] : []),
  ];
}

/** The hot routes served in front of Koa (http/lean.ts): each leaves to Koa what it does not take. */
export function leanApiRoutes(app: Ctx) {
  return leanRoutes({ 'POST /api/planner/grabs': leanGrab(app), 'POST /wechat/callback': leanCallback(app) }, app.metrics.leanTimer);
}
