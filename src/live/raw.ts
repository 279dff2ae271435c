/**
 * The stream endpoint served straight from node:http, in front of Koa. An idle stream lives for
 * hours; through Koa each one would also keep its request context alive (measured: ~6 KB more per
 * idle connection, 1.6× a bare SSE server). Here a stream costs the socket, the response and the
 * hub's few fields. Same session check and same answers as the API (401 JSON without a session).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Ctx } from '../context.js';
import { sessionOnce } from '../http/auth.js';
import { cookieOf } from '../http/lean.js';
import { clientIp } from '../http/server.js';
import { COOKIE } from '../session/index.js';
import type { Hub } from './hub.js';

export const STREAM_PATH = '/api/live/stream';
export const BROWSER_COOKIE = 'cid';
const NO_STORE = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

/** True when it handled the request (the stream path); false leaves it to Koa. */
export function serveStream(app: Ctx, hub: Hub, req: IncomingMessage, res: ServerResponse): boolean {
  const q = req.url!.indexOf('?');
  const path = q < 0 ? req.url! : req.url!.slice(0, q);
  if (path !== STREAM_PATH) return false;
  if (req.method !== 'GET') {
    res
      .writeHead(405, { allow: 'GET', 'content-type': 'application/json', ...NO_STORE })
      .end(JSON.stringify({ error: { code: 'METHOD', message: 'GET only' } }));
    return true;
  }
  const s = sessionOnce(app, cookieOf(req.headers.cookie, COOKIE));
  if (!s || (s.role !== 'planner' && s.role !== 'traveler')) {
    // 401, not 204: a page must be able to tell "sign in" from "stop" (204 stops EventSource for good).
    res
      .writeHead(401, { 'content-type': 'application/json', ...NO_STORE })
      .end(JSON.stringify({ error: { code: 'UNAUTHORIZED', message: 'sign in first (no valid session)' } }));
    return true;
  }
  // One id per browser (all its tabs), new when the browser restarts: a session cookie, as in the seed.
  let cid = cookieOf(req.headers.cookie, BROWSER_COOKIE);
  if (!cid || !/^[\w-]{8,40}$/.test(cid)) {
    cid = randomBytes(12).toString('base64url');
    const secure = app.config.https ? '; Secure' : '';
    res.setHeader('set-cookie', `${BROWSER_COOKIE}=${cid}; Path=/; HttpOnly; SameSite=Lax${secure}`);
  }
  const fromQuery = q < 0 ? null : new URLSearchParams(req.url!.slice(q + 1)).get('lastEventId');
  const lastId = (req.headers['last-event-id'] as string | undefined) || fromQuery || undefined;
  req.socket.setTimeout(0);
  req.socket.setNoDelay(true);
  hub.open(res, `${s.role}:${s.id}`, cid, clientIp(req, app.config.TRUST_PROXY), lastId).catch((err) => {
    app.log.warn({ err }, 'stream failed');
    res.end();
  });
  return true;
}
