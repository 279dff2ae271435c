/**
 * The BullMQ dashboard (@bull-board) under /ops/queues, behind the ops console's sign-in: the
 * lifecycle (releases, deadlines, offers, fallback), notify and grading queues of this database.
 * Its own page loads its own scripts (same origin), so it gets a policy that allows them; its
 * state-changing calls (retry, clean, pause) are checked same-origin like every ops change.
 */
import type { Queue } from 'bullmq';
import type { Middleware } from 'koa';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { KoaAdapter } from '@bull-board/koa';
import type { Ctx } from '../context.js';
import { sameOrigin, sessionOf } from '../http/auth.js';
import { OPS_COOKIE } from '../session/index.js';
import { accountOf, recordAudit } from '../ops/index.js';
import { DomainError } from '../errors.js';

export const QUEUES_PATH = '/ops/queues';
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'";

export function opsQueues(app: Ctx, queues: Queue[]): Middleware {
  const adapter = new KoaAdapter();
  adapter.setBasePath(QUEUES_PATH);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q)),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: '定制游抢单 · 任务队列' } },
  });
  const board = adapter.registerPlugin();
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
    if (changes && !sameOrigin(ctx, app.config.PUBLIC_URL)) throw new DomainError('CROSS_SITE');
    ctx.set('content-security-policy', CSP);
    await board(ctx, next);
    if (changes && ctx.status < 400)
      await recordAudit(app, { accountId: me.id, actor: `account:${me.id}`, action: `${ctx.method} ${ctx.path}`, ip: ctx.ip });
  };
}
