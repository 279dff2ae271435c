/**
 * Signed sessions (the product's one token format, token.ts), in an httpOnly cookie issued in one
 * place (`issueSession`). Stateless, so any instance verifies any session; ended sessions are the
 * revocations' business (revocation.ts).
 */
import type { Context } from 'koa';
import { readToken, signToken } from './token.js';

export type Role = 'planner' | 'traveler' | 'ops' | 'guest';

export interface Session {
  role: Role;
  id: number; // 0 for a guest
  /** A guest is someone WeChat vouched for (OAuth) who is not yet a planner or traveler. */
  openid?: string;
  exp: number; // seconds since the epoch
  /** Issued at, ms since the epoch (tokens from before this field: exp minus the default lifetime). */
  iat?: number;
}

export const COOKIE = 'sid';
/** The ops console's session: SameSite=Strict, apart from the WeChat pages' `sid` (which OAuth needs Lax). */
export const OPS_COOKIE = 'ops_sid';
const DEFAULT_TTL_SEC = 7 * 86_400;

export function signSession(secret: string, s: Omit<Session, 'exp' | 'iat'> & { exp?: number }, nowMs = Date.now()): string {
  return signToken(secret, '', { ...s, iat: nowMs, exp: s.exp ?? Math.floor(nowMs / 1000) + DEFAULT_TTL_SEC });
}

export function verifySession(secret: string, token: string | undefined, nowMs = Date.now()): Session | null {
  const s = readToken<Session>(secret, '', token);
  if (!s || typeof s !== 'object') return null;
  if (typeof s.exp !== 'number' || s.exp * 1000 < nowMs) return null;
  if (!['planner', 'traveler', 'ops', 'guest'].includes(s.role) || !Number.isInteger(s.id)) return null;
  if (s.role === 'guest' && typeof s.openid !== 'string') return null;
  return s;
}

export function issuedAt(s: Session): number {
  return s.iat ?? (s.exp - DEFAULT_TTL_SEC) * 1000;
}

/**
 * The one place a session cookie is issued: signed, httpOnly, living as long as the token. The
 * WeChat pages' `sid` is SameSite=Lax (OAuth's redirect back must carry it); the console's
 * `ops_sid` is Strict with its own lifetime. `session` null signs out (the cookie cleared).
 */
export function issueSession(
  ctx: Context,
  secret: string,
  session: (Omit<Session, 'exp' | 'iat'> & { exp?: number }) | null,
  o: { now: number; secure: boolean; ops?: boolean },
): void {
  const token = session ? signSession(secret, session, o.now) : null;
  const exp = session?.exp ?? Math.floor(o.now / 1000) + DEFAULT_TTL_SEC;
  ctx.cookies.set(o.ops ? OPS_COOKIE : COOKIE, token, {
    httpOnly: true,
    sameSite: o.ops ? 'strict' : 'lax',
    secure: o.secure,
    path: '/',
    maxAge: session ? exp * 1000 - o.now : 0,
    overwrite: true,
  });
}
