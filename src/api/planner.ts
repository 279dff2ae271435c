/** Planner API: the pool, grabbing, work orders and proposals, behind a planner session. Routes only: the rules are the engine's and the planner capability's. */
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Ctx } from '../context.js';
import { requireRole } from '../http/auth.js';
import { dbId, idParam, json, parse } from '../http/body.js';
import { statusOf } from '../errors.js';
import { todayFor } from '../ops/index.js';
import { acceptOffer, declineOffer, grab, poolFor, submitProposal } from '../grab/index.js';
import { deadlineOf, profileOf, requirementFor, workOrderOf, workOrdersOf } from '../planner/index.js';

/** A win PostgreSQL could not record this moment: what the planner is told instead of "won". */
const CONFIRMING_WORDS = '抢到名额了，系统正在确认记录（稍有延迟）。确认后会立即通知你，并显示客户联系方式。';

const grabInput = z.object(
  {
    requirementId: dbId('requirement'),
    channel: z.enum(['h5', 'pc'], { error: 'must be "h5" or "pc"' }).default('h5'),
  },
  { error: 'body must be a JSON object' },
);
const proposalInput = z.object(
  {
    itinerary: z
      .string({ error: 'is required' })
      .trim()
      .min(10, 'must be at least 10 characters')
      .max(20_000, 'must be at most 20000 characters'),
    priceFen: z
      .number({ error: 'must be a number (fen)' })
      .int('must be whole fen')
      .min(100, 'must be at least 100 fen')
      .max(2_000_000_000, 'is too large'),
  },
  { error: 'body must be a JSON object' },
);

export function plannerRoutes(app: Ctx): Router {
  const r = new Router({ prefix: '/api/planner' });
  r.use(requireRole(app, 'planner'), json);

  const me = (ctx: Context) => ctx.state.session!.id;

  r.get('/pool', async (ctx) => {
    ctx.body = { items: await poolFor(app, me(ctx)) };
  });

  r.post('/grabs', async (ctx) => {
    const { requirementId, channel } = parse(grabInput, ctx.request.body);
    const result = await grab(app, { plannerId: me(ctx), requirementId, channel, ip: ctx.ip });
    if (!result.ok) {
      ctx.status = statusOf(result.code);
      ctx.body = { error: { code: result.code, message: result.message, rule: result.rule } };
      return;
    }
    if (result.confirming) {
      // Won, not yet recorded: 202, and the outcome comes live and by message when it is.
      ctx.status = 202;
      ctx.body = { ...result, contact: undefined, message: CONFIRMING_WORDS };
      return;
    }
    ctx.status = result.repeat ? 200 : 201;
    ctx.body = { ...result, deadlineAt: await deadlineOf(app, result.workOrderId) };
  });

  /** Today's broadcasts for this planner: a page opened after one was sent still shows it. */
  r.get('/broadcasts', async (ctx) => {
    ctx.body = { items: await todayFor(app, me(ctx)) };
  });

  r.get('/me', async (ctx) => {
    ctx.body = await profileOf(app, me(ctx));
  });

  r.get('/requirements/:id', async (ctx) => {
    ctx.body = await requirementFor(app, me(ctx), idParam(ctx.params.id));
  });

  r.get('/work-orders', async (ctx) => {
    ctx.body = { items: await workOrdersOf(app, me(ctx)) };
  });

  r.get('/work-orders/:id', async (ctx) => {
    ctx.body = await workOrderOf(app, me(ctx), ctx.params.id);
  });

  /** A dispatched requirement: take it (it becomes an ordinary work order) or give it back. */
  r.post('/work-orders/:id/accept', async (ctx) => {
    await acceptOffer(app, me(ctx), ctx.params.id);
    ctx.body = await workOrderOf(app, me(ctx), ctx.params.id);
  });

  r.post('/work-orders/:id/decline', async (ctx) => {
    await declineOffer(app, ctx.params.id, 'declined', me(ctx));
    ctx.body = await workOrderOf(app, me(ctx), ctx.params.id);
  });

  r.post('/work-orders/:id/proposal', async (ctx) => {
    ctx.body = await submitProposal(app, me(ctx), ctx.params.id, parse(proposalInput, ctx.request.body));
    ctx.status = 201;
  });

  return r;
}
