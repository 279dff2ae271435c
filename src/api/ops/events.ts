/** Dead-lettered events (事件): the list, and retry or discard one (audited, like every ops change). */
import type Router from '@koa/router';
import { z } from 'zod';
import type { Ctx } from '../../context.js';
import { discardDeadLetter, listDeadLetters, retryDeadLetter } from '../../events/index.js';
import { parse } from '../../http/body.js';
import { actorName, id } from './audit.js';

const listQuery = z.object({ status: z.enum(['dead', 'retried', 'discarded']).optional() });

export function eventsRoutes(app: Ctx, r: Router) {
  r.get('/dead-letters', async (ctx) => {
    ctx.body = { items: await listDeadLetters(app, parse(listQuery, ctx.query).status) };
  });
  r.post('/dead-letters/:id/retry', async (ctx) => {
    await retryDeadLetter(app, id(ctx.params.id), await actorName(app, ctx));
    ctx.body = { ok: true, status: 'retried' };
  });
  r.post('/dead-letters/:id/discard', async (ctx) => {
    await discardDeadLetter(app, id(ctx.params.id), await actorName(app, ctx));
    ctx.body = { ok: true, status: 'discarded' };
  });
}
