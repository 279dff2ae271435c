/**
 * Headers every response carries: nosniff; no-store unless the route chose its own caching (most
 * answers carry personal data: contacts, trips, sessions); HSTS behind TLS; a CSP on every HTML
 * page, error pages and the sandbox's included, unless the page set a stricter one of its own.
 */
import type { Middleware } from 'koa';

/** For HTML nobody wrote a policy for: no script at all. */
export const DEFAULT_CSP =
  "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function securityHeaders(opts: { https: boolean }): Middleware {
  return async (ctx, next) => {
    // Behind a TLS proxy the hop to us may be plain HTTP: PUBLIC_URL says what the browser sees,
    // so Secure cookies are sent whatever TRUST_PROXY says (else setting one throws, mid-request).
    if (opts.https) ctx.cookies.secure = true;
    try {
      await next();
    } finally {
      ctx.set('x-content-type-options', 'nosniff');
      if (opts.https) ctx.set('strict-transport-security', 'max-age=31536000; includeSubDomains');
      if (!ctx.response.get('cache-control')) ctx.set('cache-control', 'no-store');
      if (ctx.response.is('html') && !ctx.response.get('content-security-policy')) ctx.set('content-security-policy', DEFAULT_CSP);
    }
  };
}
