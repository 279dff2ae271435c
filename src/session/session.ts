/**
 * Signed sessions: `base64url(json).base64url(hmac-sha256)`, in an httpOnly cookie. Stateless, so
 * any instance verifies any session; the signature is compared in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

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
  const body = Buffer.from(JSON.stringify({ ...s, iat: nowMs, exp: s.exp ?? Math.floor(nowMs / 1000) + DEFAULT_TTL_SEC })).toString(
    'base64url',
  );
  return `${body}.${mac(secret, body)}`;
}

export function verifySession(secret: string, token: string | undefined, nowMs = Date.now()): Session | null {
  if (!token) return null;
  const dot = token.indexOf('.');
  if (dot <= 0) return null;
  const body = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const want = Buffer.from(mac(secret, body), 'base64url');
  if (given.length !== want.length || !timingSafeEqual(given, want)) return null;
  try {
    const s = JSON.parse(Buffer.from(body, 'base64url').toString()) as Session;
    if (typeof s.exp !== 'number' || s.exp * 1000 < nowMs) return null;
    if (!['planner', 'traveler', 'ops', 'guest'].includes(s.role) || !Number.isInteger(s.id)) return null;
    if (s.role === 'guest' && typeof s.openid !== 'string') return null;
    return s;
  } catch {
    return null;
  }
}

export function issuedAt(s: Session): number {
  return s.iat ?? (s.exp - DEFAULT_TTL_SEC) * 1000;
}

function mac(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}
