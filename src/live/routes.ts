/** GET /api/live/stream: the signed-in planner's or traveler's live events (Server-Sent Events). */
import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Ctx } from '../context.js';
import { COOKIE, verifySession } from '../session/session.js';
import type { Hub } from './hub.js';

export const BROWSER_COOKIE = 'cid';

export function liveRoutes(app: Ctx, hub: Hub): Router {
  const r = new Router();
  r.get('/api/live/stream', async (ctx) => {
    const s = verifySession(app.sessionSecret, ctx.cookies.get(COOKIE), app.now());
    if (!s || (s.role !== 'planner' && s.role !== 'traveler')) {
      // 204 would stop EventSource for good; 401 lets the page send the user to sign in.
      ctx.status = 401;
      ctx.body = { error: { code: 'UNAUTHORIZED', message: 'sign in first (no valid session)' } };
      return;
    }
    // One id per browser (all its tabs), new when the browser restarts: a session cookie, as in the seed.
    let cid = ctx.cookies.get(BROWSER_COOKIE);
    if (!cid || !/^[\w-]{8,40}$/.test(cid)) {
      cid = randomBytes(12).toString('base64url');
      ctx.cookies.set(BROWSER_COOKIE, cid, { httpOnly: true, sameSite: 'lax', secure: app.config.PUBLIC_URL.startsWith('https://') });
    }
    const lastId = ctx.get('last-event-id') || (typeof ctx.query.lastEventId === 'string' ? ctx.query.lastEventId : undefined);
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.respond = false; // the hub writes the stream itself
    await hub.open(ctx.res, `${s.role}:${s.id}`, cid, lastId || undefined);
  });
  return r;
}
