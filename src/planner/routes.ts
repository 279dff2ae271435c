/** Planner API: the pool, grabbing, work orders and proposals, behind a planner session. */
import Router from '@koa/router';
import { z } from 'zod';
import type { Ctx } from '../context.js';
import { HttpError, validationError } from '../http/errors.js';
import { requireRole } from '../http/auth.js';
import { dbId, idParam, json } from '../http/body.js';
import { grab } from '../grab/grab.js';
import { poolFor, SUPPLIER_HOLDS_WORDS } from '../grab/pool.js';
import { acceptOffer, declineOffer, submitProposal } from '../grab/lifecycle.js';
import { dayKey, plannerKeys, requirementKeys } from '../grab/keys.js';
import { cardOf } from '../grab/hot-state.js';
import type { Prisma } from '../generated/prisma/client.js';

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

const WO_INCLUDE = { requirement: { include: { traveler: true } }, proposal: true } as const;
type WorkOrderRow = Prisma.WorkOrderGetPayload<{ include: typeof WO_INCLUDE }>;

function workOrderView(app: Ctx, w: WorkOrderRow) {
  // Dispatched by the system and not yet accepted: an offer, with the time to answer by.
  const offer =
    w.channel === 'dispatch' && !w.acceptedAt && w.status === 'active'
      ? { acceptBy: new Date(w.grabbedAt.getTime() + app.config.DISPATCH_ACCEPT_WITHIN * 1000) }
      : null;
  return {
    id: w.id,
    status: w.status,
    channel: w.channel,
    grabbedAt: w.grabbedAt,
    deadlineAt: w.deadlineAt,
    offer,
    requirement: { id: w.requirementId, status: w.requirement.status, ...cardOf(w.requirement) },
    // The traveler's contact belongs to live slots only, and to an offer once accepted.
    contact:
      w.status === 'expired' || w.status === 'closed' || offer
        ? null
        : { name: w.requirement.traveler.name, phone: w.requirement.traveler.phone },
    proposal: w.proposal && { itinerary: w.proposal.itinerary, priceFen: w.proposal.priceFen, createdAt: w.proposal.createdAt },
  };
}

export function plannerRoutes(app: Ctx): Router {
  const r = new Router({ prefix: '/api/planner' });
  r.use(requireRole(app, 'planner'), json);

  r.get('/pool', async (ctx) => {
    ctx.body = { items: await poolFor(app, ctx.state.session!.id) };
  });

  r.post('/grabs', async (ctx) => {
    const parsed = grabInput.safeParse(ctx.request.body);
    if (!parsed.success) throw validationError(parsed.error, ctx.request.body);
    const { requirementId, channel } = parsed.data;
    const result = await grab(app, { plannerId: ctx.state.session!.id, requirementId, channel, ip: ctx.ip });
    if (!result.ok) {
      ctx.status = result.code === 'REQUIREMENT_NOT_FOUND' ? 404 : result.code.endsWith('RATE_LIMITED') ? 429 : 409;
      ctx.body = { error: { code: result.code, message: result.message, rule: result.rule } };
      return;
    }
    ctx.status = result.repeat ? 200 : 201;
    // The page says by when the proposal is due (recorded before this answer, so it is there).
    const wo = await app.db.workOrder.findUnique({ where: { id: result.workOrderId }, select: { deadlineAt: true } });
    ctx.body = { ...result, deadlineAt: wo?.deadlineAt ?? null };
  });

  r.get('/me', async (ctx) => {
    const p = await app.db.planner.findUnique({ where: { id: ctx.state.session!.id }, include: { supplier: true } });
    if (!p) throw new HttpError(404, 'NOT_FOUND', 'planner: this account no longer exists');
    ctx.body = {
      id: p.id,
      name: p.name,
      tier: p.tier,
      supplier: p.supplier.name,
      destinations: p.destinations,
      maxActive: p.maxActive,
      status: p.status,
      bound: !!p.openid,
    };
  });

  /** One requirement as this planner may see it: a candidate's card, the contact only while they hold a slot. */
  r.get('/requirements/:id', async (ctx) => {
    const plannerId = ctx.state.session!.id;
    const id = idParam(ctx.params.id);
    const req = id
      ? await app.db.requirement.findUnique({
          where: { id },
          include: { traveler: true, candidates: { where: { plannerId } }, workOrders: { where: { plannerId } }, releases: true },
        })
      : null;
    const tier = req?.candidates[0]?.tier;
    const release = req?.releases.find((x) => x.tier === tier && x.releasedAt.getTime() <= app.now());
    const mine = req?.workOrders[0];
    // A candidate whose tier has not been released yet sees nothing of it: the tiers' head start is the product.
    if (!req || !id || (!mine && !release)) throw new HttpError(404, 'NOT_FOUND', 'requirement: not in your pool');
    const supplierId = await app.redis.hget(plannerKeys(plannerId, dayKey(app.now())).meta, 'supplierId');
    const [[filled, hotStatus], colleague] = await Promise.all([
      app.redis.hmget(requirementKeys(id).meta, 'filled', 'status'),
      supplierId ? app.redis.hexists(requirementKeys(id).suppliers, supplierId) : 0,
    ]);
    const status = hotStatus ?? req.status;
    const live = mine && (mine.status === 'active' || mine.status === 'proposed' || mine.status === 'chosen');
    ctx.body = {
      id: req.id,
      ...cardOf(req),
      status,
      notes: req.notes,
      wanted: req.plannersWanted,
      slotsLeft: status === 'open' ? Math.max(0, req.plannersWanted - Number(filled ?? 0)) : 0,
      releasedToMe: release ? release.releasedAt : null,
      myWorkOrder: mine ? { id: mine.id, status: mine.status, deadlineAt: mine.deadlineAt } : null,
      // Shown, not grabbable: a colleague of the same supplier holds a slot (rule 6).
      unavailable: !mine && colleague ? { code: 'SUPPLIER_HOLDS_SLOT', reason: SUPPLIER_HOLDS_WORDS } : null,
      contact: live ? { name: req.traveler.name, phone: req.traveler.phone } : null,
    };
  });

  r.get('/work-orders', async (ctx) => {
    const rows = await app.db.workOrder.findMany({
      where: { plannerId: ctx.state.session!.id },
      orderBy: { grabbedAt: 'desc' },
      take: 200,
      include: WO_INCLUDE,
    });
    ctx.body = { items: rows.map((w) => workOrderView(app, w)) };
  });

  r.get('/work-orders/:id', async (ctx) => {
    const w = await app.db.workOrder.findUnique({ where: { id: ctx.params.id }, include: WO_INCLUDE });
    if (!w || w.plannerId !== ctx.state.session!.id) throw new HttpError(404, 'NOT_FOUND', 'work order: not one of yours');
    ctx.body = workOrderView(app, w);
  });

  /** A dispatched requirement: take it (it becomes an ordinary work order) or give it back. */
  for (const [verb, act] of [
    ['accept', (id: string, plannerId: number) => acceptOffer(app, plannerId, id)],
    ['decline', (id: string, plannerId: number) => declineOffer(app, id, 'declined', plannerId)],
  ] as const) {
    r.post(`/work-orders/:id/${verb}`, async (ctx) => {
      await act(ctx.params.id, ctx.state.session!.id);
      const w = await app.db.workOrder.findUnique({ where: { id: ctx.params.id }, include: WO_INCLUDE });
      ctx.body = workOrderView(app, w!);
    });
  }

  r.post('/work-orders/:id/proposal', async (ctx) => {
    const parsed = proposalInput.safeParse(ctx.request.body);
    if (!parsed.success) throw validationError(parsed.error, ctx.request.body);
    ctx.body = await submitProposal(app, ctx.state.session!.id, ctx.params.id, parsed.data);
    ctx.status = 201;
  });

  return r;
}
