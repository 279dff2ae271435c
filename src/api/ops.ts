/** Ops API (CONTRACT): suppliers, planners, requirements entered on a traveler's behalf. Routes only: the rules are the capabilities'. */
import Router from '@koa/router';
import { z } from 'zod';
import type { Ctx } from '../context.js';
import { TIERS } from '../config.js';
import { HttpError } from '../http/errors.js';
import { requireRole } from '../http/auth.js';
import { dbId, idParam, json, parse } from '../http/body.js';
import { createRequirement, requirementInput, requirementView } from '../requirements/index.js';
import { createPlanner, createSupplier, unbindPlanner, updatePlanner, updateSupplier } from '../ops/index.js';

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

export function opsRoutes(app: Ctx): Router {
  const r = new Router({ prefix: '/api/ops' });
  r.use(requireRole(app, 'ops'), json);

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
