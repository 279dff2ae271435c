/** Who is calling: a signed session cookie, or for ops machines a bearer token. */
import { timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Ctx } from '../context.js';
import { COOKIE, verifySession, type Role, type Session } from '../session/session.js';
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

export function requireRole(app: Ctx, role: Role): Middleware {
  return async (ctx, next) => {
    const auth = ctx.get('authorization');
    if (role === 'ops' && auth.startsWith('Bearer ') && app.config.OPS_API_TOKEN) {
      if (!sameSecret(auth.slice(7), app.config.OPS_API_TOKEN)) throw new HttpError(401, 'UNAUTHORIZED', 'bad ops token');
      return next();
    }
    const session = verifySession(app.sessionSecret, ctx.cookies.get(COOKIE), app.now());
    if (!session) throw new HttpError(401, 'UNAUTHORIZED', 'sign in first (no valid session)');
    if (session.role !== role) throw new HttpError(403, 'FORBIDDEN', `this needs a ${role} session`);
    ctx.state.session = session;
    return next();
  };
}
