/**
 * The product's one signed-token format: `base64url(json).base64url(hmac-sha256)`, the MAC keyed by
 * the secret and the token's purpose (a session cannot be replayed as an OAuth state, or the other
 * way round), compared in constant time. Sessions (session.ts) and OAuth states (wechat/oauth.ts) use it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a token is for; '' is the session (whose key is the bare secret, as issued before purposes). */
export type Purpose = '' | 'oauth-state';

const mac = (secret: string, purpose: Purpose, body: string) =>
  createHmac('sha256', purpose ? `${purpose}:${secret}` : secret)
    .update(body)
    .digest('base64url');

export function signToken(secret: string, purpose: Purpose, payload: object): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(secret, purpose, body)}`;
}

/** The payload of a token this secret signed for this purpose, or null (unsigned, forged, malformed). */
export function readToken<T>(secret: string, purpose: Purpose, token: string | undefined): T | null {
  if (!token) return null;
  const dot = token.indexOf('.');
  if (dot <= 0) return null;
  const body = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const want = Buffer.from(mac(secret, purpose, body), 'base64url');
  if (given.length !== want.length || !timingSafeEqual(given, want)) return null;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString()) as T;
  } catch {
    return null;
  }
}
