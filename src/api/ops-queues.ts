/**
 * The BullMQ dashboard (@bull-board) under /ops/queues, behind the ops console's sign-in: the
 * lifecycle (releases, deadlines, offers, fallback), notify and grading queues of this database.
 * Its own page loads its own scripts (same origin), so it gets a policy that allows them. Ops
 * accounts see a read-only board; its actions (retry, promote, add, clean, empty) are for admins,
 * checked same-origin like every ops change, and audited with what they were sent.
 */

import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { KoaAdapter } from '@bull-board/koa';
import type { Queue } from 'bullmq';
import type { Middleware } from 'koa';
import type { Ctx } from '../context.js';
import { DomainError } from '../errors.js';
import { sameOrigin, sessionOf } from '../http/auth.js';
import { accountOf, recordAudit } from '../ops/index.js';
import { OPS_COOKIE } from '../session/index.js';

export const QUEUES_PATH = '/ops/queues';
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'";

/** One board over the queues; read-only: bull-board hides its actions and refuses them. */
function boardOf(queues: Queue[], readOnlyMode: boolean): Middleware {
  const adapter = new KoaAdapter();
  adapter.setBasePath(QUEUES_PATH);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode })),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: readOnlyMode ? '定制游抢单 · 任务队列（只读）' : '定制游抢单 · 任务队列' } },
  });
  return adapter.registerPlugin();
}

/** bull-board's page asks Google for its fonts, which the policy blocks (an error on every visit): the system's fonts serve. */
const NO_WEB_FONTS = /<link href="https:\/\/fonts\.googleapis\.com[^>]*>\s*/g;

export function opsQueues(app: Ctx, queues: Queue[]): Middleware {
  const forAdmins = boardOf(queues, false);
  const readOnly = boardOf(queues, true);
  return async (ctx, next) => {
    if (ctx.path !== QUEUES_PATH && !ctx.path.startsWith(`${QUEUES_PATH}/`)) return next();
    const s = sessionOf(app, ctx.cookies.get(OPS_COOKIE));
    const me = s?.role === 'ops' ? await accountOf(app, s.id) : null;
    if (!me) {
      if (ctx.method === 'GET' && ctx.accepts('html') === 'html') return ctx.redirect('/ops/login');
      ctx.status = 401;
      ctx.body = { error: { code: 'UNAUTHORIZED', message: 'sign in to the ops console first' } };
      return;
    }
    const changes = ctx.method !== 'GET' && ctx.method !== 'HEAD';
    // Retrying, promoting, adding, cleaning or emptying jobs moves the marketplace's schedule (a
    // tier released early, every deadline wiped): admins only, checked before the body is read.
    if (changes && me.role !== 'admin') throw new DomainError('ADMIN_ONLY');
    if (changes && !sameOrigin(ctx, app.config.PUBLIC_URL)) throw new DomainError('CROSS_SITE');
    ctx.set('content-security-policy', CSP);
    await (me.role === 'admin' ? forAdmins : readOnly)(ctx, next);
    if (typeof ctx.body === 'string' && ctx.body.includes('fonts.googleapis.com')) ctx.body = ctx.body.replace(NO_WEB_FONTS, '');
    if (changes && ctx.status < 400)
      await recordAudit(app, {
        accountId: me.id,
        actor: `account:${me.id}`,
        action: `${ctx.method} ${ctx.path}`,
        after: { query: ctx.query, body: ctx.request.body ?? null },
        ip: ctx.ip,
      });
  };
}
