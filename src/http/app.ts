/** The Koa application (the HTTP kernel): security headers, error rendering, the canonical host, then the routers (and mounted apps) it is given (src/api). */

import type Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import type { Config } from '../config.js';
import type { Metrics } from '../context.js';
import type { Logger } from '../log.js';
import { canonicalHost } from './canonical.js';
import { errors } from './errors.js';
import { securityHeaders } from './headers.js';

/** A NUL in the path (`%00`) names nothing PostgreSQL could store: a 400 here, before any route looks it up. */
const cleanPath: Middleware = (ctx, next) => {
  const q = ctx.url.indexOf('?');
  if (!/%00/.test(q < 0 ? ctx.url : ctx.url.slice(0, q))) return next();
  ctx.status = 400;
  ctx.body = { error: { code: 'BAD_REQUEST', message: 'the path must not contain NUL characters' } };
};

const NOT_FOUND_PAGE = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>页面不存在</title></head>
<body style="font-family:system-ui,sans-serif;max-width:32em;margin:4em auto;padding:0 1em;color:#333"><h1 style="font-size:1.3em">页面不存在</h1>
<p>这个地址没有对应的页面，可能是链接已过期或输入有误。</p><p><a href="/">回到首页</a></p></body></html>`;

/** Nothing answered: a sentence a person can read (a page), or the API's error shape for machines. */
const notFound: Middleware = async (ctx, next) => {
  await next();
  if (ctx.status !== 404 || ctx.body != null) return;
  ctx.status = 404;
  if (ctx.path.startsWith('/api/') || !ctx.accepts('html')) {
    ctx.body = { error: { code: 'NOT_FOUND', message: `no such route: ${ctx.method} ${ctx.path}` } };
  } else {
    ctx.type = 'html';
    ctx.body = NOT_FOUND_PAGE;
  }
};

/** Koa's answers timed by route pattern (`/api/ops/requirements/:id`, not its ids: labels stay few). */
function timed(observe: (route: string, method: string, status: number, seconds: number) => void): Middleware {
  return async (ctx, next) => {
    const t0 = performance.now();
    try {
      await next();
    } finally {
      const route = (ctx as { _matchedRoute?: string })._matchedRoute;
      observe(typeof route === 'string' ? route : 'unmatched', ctx.method, ctx.status, (performance.now() - t0) / 1000);
    }
  };
}

export function createApp(
  app: { config: Config; log: Logger; metrics?: Pick<Metrics, 'httpRequest'> },
  routers: (Router | Middleware)[],
): Koa {
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
  if (app.metrics) koa.use(timed(app.metrics.httpRequest));
  koa.use(securityHeaders(app.config));
  koa.use(errors(app.log));
  koa.use(canonicalHost(app.config.PUBLIC_URL));
  koa.use(cleanPath);
  koa.use(notFound);
  // No body parser here: each route parses its body after authenticating (http/body.ts).

  for (const r of routers) {
    if (typeof r === 'function') koa.use(r);
    else koa.use(r.routes()).use(r.allowedMethods());
  }
  return koa;
}
