/**
 * One host for the browser. Cookies (the session, OAuth's nonce, the sandbox phone's "who") belong
 * to one host name: a page opened on another name of this same server (127.0.0.1 for localhost,
 * same port) is sent to PUBLIC_URL's host first, so a sign-in never starts on one host and lands on another.
 */
import type { Middleware } from 'koa';

const BROWSER_PATHS = /^\/(?:$|h5\/|pc(?:$|\/)|auth\/wechat$|sandbox\/phone)/;

export function canonicalHost(publicUrl: string): Middleware {
  const pub = new URL(publicUrl);
  const port = (u: URL) => u.port || (u.protocol === 'https:' ? '443' : '80');
  return (ctx, next) => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || !BROWSER_PATHS.test(ctx.path)) return next();
    let here: URL;
    try {
      here = new URL(`${pub.protocol}//${ctx.get('host')}`);
    } catch {
      return next();
    }
    // Another name, same port: this server reached by another name. (Behind a proxy the port is the public one.)
    if (here.hostname === pub.hostname || port(here) !== port(pub)) return next();
    ctx.redirect(`${pub.origin}${ctx.originalUrl}`);
  };
}
