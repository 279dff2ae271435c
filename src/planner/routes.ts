/** Planner API: the pool, grabbing, work orders and proposals, behind a planner session. */
import Router from '@koa/router';
import { z } from 'zod';
import type { Ctx } from '../context.js';
import { HttpError, validationError } from '../http/errors.js';
import { requireRole } from '../http/auth.js';
import { grab } from '../grab/grab.js';
import { poolFor } from '../grab/pool.js';
import { ProposalError, submitProposal } from '../grab/lifecycle.js';

const grabInput = z.object(
  {
    requirementId: z.number({ error: 'must be a requirement id (number)' }).int().positive('must be a requirement id'),
    channel: z.enum(['h5', 'pc'], { error: 'must be "h5" or "pc"' }).default('h5'),
  },
  { error: 'body must be a JSON object' },
);
const proposalInput = z.object(
  {
    itinerary: z.string({ error: 'is required' }).trim().min(10, 'must be at least 10 characters').max(20_000, 'must be at most 20000 characters'),
    priceFen: z.number({ error: 'must be a number (fen)' }).int('must be whole fen').min(100, 'must be at least 100 fen').max(2_000_000_000, 'is too large'),
  },
  { error: 'body must be a JSON object' },
);

export function plannerRoutes(app: Ctx): Router {
  const r = new Router({ prefix: '/api/planner' });
  r.use(requireRole(app, 'planner'));

  r.get('/pool', async (ctx) => {
    ctx.body = { items: await poolFor(app, ctx.state.session!.id) };
  });

  r.post('/grabs', async (ctx) => {
    const parsed = grabInput.safeParse(ctx.request.body);
    if (!parsed.success) throw validationError(parsed.error);
    const { requirementId, channel } = parsed.data;
    const result = await grab(app, { plannerId: ctx.state.session!.id, requirementId, channel, ip: ctx.ip });
    if (!result.ok) {
      ctx.status = result.code === 'REQUIREMENT_NOT_FOUND' ? 404 : result.code.endsWith('RATE_LIMITED') ? 429 : 409;
      ctx.body = { error: { code: result.code, message: result.message, rule: result.rule } };
      return;
    }
    ctx.status = result.repeat ? 200 : 201;
    ctx.body = result;
  });

  r.get('/work-orders', async (ctx) => {
    const rows = await app.db.workOrder.findMany({
      where: { plannerId: ctx.state.session!.id },
      orderBy: { grabbedAt: 'desc' },
      take: 200,
      include: { requirement: { include: { traveler: true } }, proposal: true },
    });
    ctx.body = {
      items: rows.map((w) => ({
        id: w.id,
        status: w.status,
        channel: w.channel,
        grabbedAt: w.grabbedAt,
        deadlineAt: w.deadlineAt,
        requirement: {
          id: w.requirementId,
          code: w.requirement.code,
          origin: w.requirement.origin,
          destinations: w.requirement.destinations,
          departDate: w.requirement.departDate.toISOString().slice(0, 10),
          returnDate: w.requirement.returnDate.toISOString().slice(0, 10),
          adults: w.requirement.adults,
          children: w.requirement.children,
          budgetFen: w.requirement.budgetFen,
        },
        // The traveler's contact belongs to live slots only.
        contact: w.status === 'expired' ? null : { name: w.requirement.traveler.name, phone: w.requirement.traveler.phone },
        proposal: w.proposal && { itinerary: w.proposal.itinerary, priceFen: w.proposal.priceFen, createdAt: w.proposal.createdAt },
      })),
    };
  });

  r.post('/work-orders/:id/proposal', async (ctx) => {
    const parsed = proposalInput.safeParse(ctx.request.body);
    if (!parsed.success) throw validationError(parsed.error);
    try {
      ctx.status = 201;
      ctx.body = await submitProposal(app, ctx.state.session!.id, ctx.params.id, parsed.data);
    } catch (err) {
      if (err instanceof ProposalError) throw new HttpError(err.status, err.code, err.message);
      throw err;
    }
  });

  return r;
}
