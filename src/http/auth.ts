/** Who is calling: a signed session cookie, or for ops machines a bearer token. */
import { timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Ctx } from '../context.js';
import { COOKIE, verifySession, type Role, type Session } from '../session/index.js';
import { HttpError } from './errors.js';

declare module 'koa' {
  interface DefaultState {
    session?: Session;
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Verified tokens are remembered (bounded), so a planner hammering the grab button costs one HMAC,
 * not one per request. A token is immutable: its signature and expiry are all there is to check.
 */
const verified = new Map<string, { secret: string; s: Session }>();
const VERIFIED_MAX = 20_000;

/** A verified session that was not ended (suspension, unbinding): session/revocation.ts. */
const live = (app: Ctx, s: Session | null) => (s && !app.revocations.refuses(s) ? s : null);

/** The session of a token checked once, not remembered: a live stream verifies when it opens, and
 *  ten thousand idle streams must not hold ten thousand cache entries. */
export function sessionOnce(app: Ctx, token: string | undefined): Session | null {
  return live(app, verifySession(app.sessionSecret, token, app.now()));
}

/** The caller's verified session (from the `sid` cookie's value), or null. */
export function sessionOf(app: Ctx, token: string | undefined): Session | null {
  if (!token) return null;
  const hit = verified.get(token);
  let s: Session | null;
  if (hit && hit.secret === app.sessionSecret) s = hit.s.exp * 1000 >= app.now() ? hit.s : null;
  else {
    s = verifySession(app.sessionSecret, token, app.now());
    if (s) {
      if (verified.size >= VERIFIED_MAX) verified.clear();
      verified.set(token, { secret: app.sessionSecret, s });
    }
  }
  return live(app, s);
}

export function requireRole(app: Ctx, role: Role | Role[]): Middleware {
  const roles = Array.isArray(role) ? role : [role];
  return async (ctx, next) => {
    const auth = ctx.get('authorization');
    if (roles.includes('ops') && auth.startsWith('Bearer ') && app.config.OPS_API_TOKEN) {
      if (!sameSecret(auth.slice(7), app.config.OPS_API_TOKEN)) throw new HttpError(401, 'UNAUTHORIZED', 'bad ops token');
      return next();
    }
    const s = sessionOf(app, ctx.cookies.get(COOKIE));
    if (!s) throw new HttpError(401, 'UNAUTHORIZED', 'sign in first (no valid session)');
    if (!roles.includes(s.role)) throw new HttpError(403, 'FORBIDDEN', `this needs a ${roles.join(' or ')} session`);
    ctx.state.session = s;
    return next();
  };
}
