/** Who is calling: a signed session cookie, or for ops machines a bearer token. */
import { timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import type { Ctx } from '../context.js';
import { DomainError, refusal } from '../errors.js';
import { COOKIE, OPS_COOKIE, type Role, type Session, verifySession } from '../session/index.js';

declare module 'koa' {
  interface DefaultState {
    session?: Session;
    /** Who made an ops request: an account (session), or the API token (scripts). */
    opsActor?: { accountId: number | null; actor: string };
    /** The route wrote its own audit entry (the ops API's audit middleware adds none). */
    audited?: boolean;
    /**
     * What the audit entry says happened, instead of the answer (a phone shown: not the phone; a
     * change: with what the request gave). Set on a read, it records the read too (null: no details).
     */
    auditAfter?: unknown;
  }
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A request that changes state with a cookie must come from our own pages: its Origin (or, without
 * one, Sec-Fetch-Site / Referer) is this site. A cross-site form or fetch carries the victim's
 * cookie but another site's Origin, and is refused.
 */
export function sameOrigin(ctx: Context, publicUrl: string): boolean {
  if (SAFE.has(ctx.method)) return true;
  // This site as the browser names it (PUBLIC_URL) or as the request reached it (its Host; not
  // Koa's ctx.origin, which echoes the Origin header).
  const ours = new Set([new URL(publicUrl).origin, `${ctx.protocol}://${ctx.host}`]);
  const origin = ctx.get('origin');
  if (origin) return ours.has(origin);
  const site = ctx.get('sec-fetch-site');
  if (site) return site === 'same-origin';
  const referer = ctx.get('referer');
  if (referer) {
    try {
      return ours.has(new URL(referer).origin);
    } catch {
      return false;
    }
  }
  return false;
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
      if (!sameSecret(auth.slice(7), app.config.OPS_API_TOKEN)) throw refusal('UNAUTHORIZED', 'bad ops token');
      ctx.state.opsActor = { accountId: null, actor: 'api-token' };
      return next();
    }
    // The console's own cookie first (ops only), then the pages' cookie.
    const opsSession = roles.includes('ops') ? sessionOf(app, ctx.cookies.get(OPS_COOKIE)) : null;
    const s = opsSession?.role === 'ops' ? opsSession : sessionOf(app, ctx.cookies.get(COOKIE));
    if (!s) throw refusal('UNAUTHORIZED', 'sign in first (no valid session)');
    if (!roles.includes(s.role)) throw refusal('FORBIDDEN', `this needs a ${roles.join(' or ')} session`);
    if (s.role === 'ops') {
      if (!sameOrigin(ctx, app.config.PUBLIC_URL)) throw new DomainError('CROSS_SITE');
      // The account as the record says now, not only as the session list says (the record wins).
      const account = await app.db.opsAccount.findUnique({ where: { id: s.id }, select: { status: true } });
      if (account?.status !== 'active') throw new DomainError('ACCOUNT_SUSPENDED');
      ctx.state.opsActor = { accountId: s.id, actor: `account:${s.id}` };
    }
    ctx.state.session = s;
    return next();
  };
}
