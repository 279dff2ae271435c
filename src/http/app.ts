/** The Koa application (the HTTP kernel): security headers, error rendering, the canonical host, then the routers (and mounted apps) it is given (src/api). */
import Koa, { type Middleware } from 'koa';
import type Router from '@koa/router';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { errors } from './errors.js';
import { securityHeaders } from './headers.js';
import { canonicalHost } from './canonical.js';

export function createApp(app: { config: Config; log: Logger }, routers: (Router | Middleware)[]): Koa {
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

  for (const r of routers) {
    if (typeof r === 'function') koa.use(r);
    else koa.use(r.routes()).use(r.allowedMethods());
  }
  return koa;
}
