/** Ops API (CONTRACT): suppliers, planners, requirements entered on a traveler's behalf. Routes only: the rules are the capabilities'. */
import Router from '@koa/router';
import { z } from 'zod';
import type { Ctx } from '../context.js';
import { TIERS } from '../config.js';
import { HttpError } from '../http/errors.js';
import { requireRole } from '../http/auth.js';
import { dbId, idParam, json, parse } from '../http/body.js';
import { createRequirement, requirementInput, requirementView } from '../requirements/index.js';
import {
  accountOf,
  auditLog,
  createPlanner,
  createSupplier,
  recordAudit,
  unbindPlanner,
  updatePlanner,
  updateSupplier,
} from '../ops/index.js';
import { sameOrigin } from '../http/auth.js';
import { closeOpsSession, openOpsSession } from './ops-session.js';
import { DomainError } from '../errors.js';
import type { Context, Next } from 'koa';

const supplierInput = z.object({ name: z.string().trim().min(1, 'must not be empty').max(100) }, { error: 'body must be a JSON object' });
const supplierPatch = z.object({ status: z.enum(['active', 'suspended'], { error: 'must be "active" or "suspended"' }) });
const plannerFields = {
  name: z.string().trim().min(1, 'must not be empty').max(50),
  phone: z
    .string()
    .trim()
    .regex(/^1[3-9]\d{9}$/, 'must be an 11-digit mainland mobile number'),
  tier: z.enum(TIERS, { error: 'must be S, A, B or C' }),
  destinations: z
    .array(z.string().trim().min(1).max(50), { error: 'must be a list of places' })
    .min(1, 'must name at least one destination')
    .max(50),
  maxActive: z.number({ error: 'must be a number' }).int().min(1, 'must be at least 1').max(500),
  dailyQuota: z.number().int().min(1).max(1000).optional(),
  openid: z.string().trim().min(1).max(64).optional(),
};
const plannerInput = z.object({ supplierId: dbId('supplier'), ...plannerFields }, { error: 'body must be a JSON object' });
const plannerPatch = z
  .object({ ...plannerFields, status: z.enum(['active', 'suspended']) })
  .partial()
  .omit({ phone: true });

function id(param: string | undefined): number {
  const n = idParam(param);
  if (!n) throw new HttpError(404, 'NOT_FOUND', 'id: no such record (ids are positive integers)', 'id');
  return n;
}

const signInInput = z.object(
  {
    email: z.string({ error: 'is required' }).trim().email('must be an e-mail address').max(200),
    password: z.string({ error: 'is required' }).min(1, 'is required').max(200),
  },
  { error: 'body must be a JSON object' },
);

/** Before → after for the rows an ops change edits (read before the change, by route). */
const BEFORE: Record<string, (app: Ctx, id: number) => Promise<unknown>> = {
  'PATCH /api/ops/planners/:id': (app, id) => app.db.planner.findUnique({ where: { id } }),
  'PATCH /api/ops/suppliers/:id': (app, id) => app.db.supplier.findUnique({ where: { id } }),
  'POST /api/ops/planners/:id/unbind': (app, id) => app.db.planner.findUnique({ where: { id }, select: { id: true, openid: true } }),
};

/** Every state-changing ops request that succeeded is written to the audit log: who, what, on what, before → after. */
function audited(app: Ctx) {
  return async (ctx: Context, next: Next) => {
    if (ctx.method === 'GET' || ctx.method === 'HEAD') return next();
    // The route as written (ids as :id): this middleware runs before the router has matched a route.
    const action = `${ctx.method} ${ctx.path.replace(/\/\d+(?=\/|$)/g, '/:id')}`;
    const target = /\/(\d+)(?:\/|$)/.exec(ctx.path)?.[1];
    const id = idParam(target);
    const before = id && BEFORE[action] ? await BEFORE[action](app, id) : undefined;
    await next();
    if (ctx.status >= 400 || ctx.state.audited) return; // refused, or the route wrote its own entry
    const who = ctx.state.opsActor!;
    await recordAudit(app, {
      accountId: who.accountId,
      actor: who.actor,
      action,
      target,
      before,
      after: ctx.body,
      ip: ctx.ip,
    });
  };
}

/** Signing in and out of the console (no session needed to sign in; a same-origin request). */
function sessionRoutes(app: Ctx, r: Router) {
  r.post('/session', json, async (ctx) => {
    if (!sameOrigin(ctx, app.config.PUBLIC_URL)) throw new DomainError('CROSS_SITE');
    const { email, password } = parse(signInInput, ctx.request.body);
    ctx.body = await openOpsSession(app, ctx, email, password);
  });
}

export function opsRoutes(app: Ctx): Router {
  const r = new Router({ prefix: '/api/ops' });
  sessionRoutes(app, r);
  r.use(requireRole(app, 'ops'), json);
  r.use(audited(app));

  r.get('/me', async (ctx) => {
    const who = ctx.state.opsActor!;
    if (who.accountId === null) return void (ctx.body = { actor: who.actor, role: 'admin' });
    const account = await accountOf(app, who.accountId);
    if (!account) throw new DomainError('ACCOUNT_SUSPENDED');
    ctx.body = account;
  });

  /** Signs this account out everywhere (every session of it issued until now is refused). */
  r.delete('/session', async (ctx) => {
    await closeOpsSession(app, ctx, ctx.state.opsActor!.accountId);
    ctx.state.audited = true;
    ctx.status = 204;
  });

  /** The audit log, newest first: admins (and the API token) only. */
  r.get('/audit', async (ctx) => {
    const who = ctx.state.opsActor!;
    if (who.accountId !== null && (await accountOf(app, who.accountId))?.role !== 'admin') throw new DomainError('ADMIN_ONLY');
    const before = typeof ctx.query.before === 'string' && /^\d+$/.test(ctx.query.before) ? BigInt(ctx.query.before) : undefined;
    ctx.body = { items: await auditLog(app, { limit: Number(ctx.query.limit) || 50, beforeId: before }) };
  });

  r.post('/suppliers', async (ctx) => {
    ctx.body = await createSupplier(app, parse(supplierInput, ctx.request.body));
    ctx.status = 201;
  });

  r.patch('/suppliers/:id', async (ctx) => {
    ctx.body = await updateSupplier(app, id(ctx.params.id), parse(supplierPatch, ctx.request.body));
  });

  r.post('/planners', async (ctx) => {
    ctx.body = await createPlanner(app, parse(plannerInput, ctx.request.body));
    ctx.status = 201;
  });

  r.patch('/planners/:id', async (ctx) => {
    ctx.body = await updatePlanner(app, id(ctx.params.id), parse(plannerPatch, ctx.request.body));
  });

  r.post('/planners/:id/unbind', async (ctx) => {
    ctx.body = await unbindPlanner(app, id(ctx.params.id));
  });

  r.post('/requirements', async (ctx) => {
    const req = await createRequirement(app, parse(requirementInput, ctx.request.body));
    ctx.status = 201;
    ctx.body = await requirementView(app, req.id);
  });

  r.get('/requirements/:id', async (ctx) => {
    const view = await requirementView(app, id(ctx.params.id));
    if (!view) throw new HttpError(404, 'NOT_FOUND', 'no such requirement', 'id');
    ctx.body = view;
  });

  return r;
}
