/** Ops API (CONTRACT): suppliers, planners, requirements entered on a traveler's behalf. */
import Router from '@koa/router';
import { z } from 'zod';
import type { Ctx } from '../context.js';
import { TIERS } from '../config.js';
import { HttpError, validationError } from '../http/errors.js';
import { requireRole } from '../http/auth.js';
import { dbId, idParam, json } from '../http/body.js';
import { createRequirement, departsInPast, requirementInput } from '../requirements/intake.js';
import { requirementView } from '../requirements/view.js';
import { refreshPlanner } from '../grab/hot-state.js';
import { Prisma } from '../generated/prisma/client.js';
import { newBindCode } from '../wechat/bind.js';

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

/** A planner who may not work (planner or supplier suspended) has every session refused, at once. */
async function syncAccess(app: Ctx, plannerId: number) {
  const p = await app.db.planner.findUnique({ where: { id: plannerId }, select: { status: true, supplier: { select: { status: true } } } });
  if (!p) return;
  const user = `planner:${plannerId}`;
  if (p.status === 'suspended' || p.supplier.status === 'suspended') await app.revocations.revoke(user, '*');
  else await app.revocations.reinstate(user, app.now());
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) throw validationError(r.error, body);
  return r.data;
}

function id(param: string | undefined): number {
  const n = idParam(param);
  if (!n) throw new HttpError(404, 'NOT_FOUND', 'id: no such record (ids are positive integers)', 'id');
  return n;
}

/** Unique-constraint violations become a 409 naming the field. */
function conflict(err: unknown, field: string): never {
  if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')
    throw new HttpError(409, 'CONFLICT', `${field} already exists`, field);
  throw err;
}

export function opsRoutes(app: Ctx): Router {
  const r = new Router({ prefix: '/api/ops' });
  r.use(requireRole(app, 'ops'), json);

  r.post('/suppliers', async (ctx) => {
    const input = parse(supplierInput, ctx.request.body);
    ctx.status = 201;
    ctx.body = await app.db.supplier.create({ data: input }).catch((e) => conflict(e, 'name'));
  });

  r.patch('/suppliers/:id', async (ctx) => {
    const input = parse(supplierPatch, ctx.request.body);
    const s = await app.db.supplier
      .update({ where: { id: id(ctx.params.id) }, data: input, include: { planners: { select: { id: true } } } })
      .catch(() => {
        throw new HttpError(404, 'NOT_FOUND', 'no such supplier', 'id');
      });
    for (const p of s.planners) {
      await refreshPlanner(app, p.id);
      await syncAccess(app, p.id);
    }
    ctx.body = { id: s.id, name: s.name, status: s.status };
  });

  r.post('/planners', async (ctx) => {
    const input = parse(plannerInput, ctx.request.body);
    const supplier = await app.db.supplier.findUnique({ where: { id: input.supplierId } });
    if (!supplier) throw new HttpError(400, 'VALIDATION', 'supplierId: no such supplier', 'supplierId');
    const planner = await app.db.planner
      .create({ data: { ...input, ...(input.openid ? {} : newBindCode()) } })
      .catch((e) => conflict(e, 'phone'));
    await refreshPlanner(app, planner.id); // hot before their first grab
    ctx.status = 201;
    ctx.body = planner;
  });

  r.patch('/planners/:id', async (ctx) => {
    const input = parse(plannerPatch, ctx.request.body);
    const planner = await app.db.planner.update({ where: { id: id(ctx.params.id) }, data: input }).catch(() => {
      throw new HttpError(404, 'NOT_FOUND', 'no such planner', 'id');
    });
    await refreshPlanner(app, planner.id);
    await syncAccess(app, planner.id);
    ctx.body = planner;
  });

  /** Unties the planner's WeChat: their sessions and streams end now; a new bind code is issued. */
  r.post('/planners/:id/unbind', async (ctx) => {
    const planner = await app.db.planner
      .update({ where: { id: id(ctx.params.id) }, data: { openid: null, ...newBindCode() } })
      .catch(() => {
        throw new HttpError(404, 'NOT_FOUND', 'no such planner', 'id');
      });
    await refreshPlanner(app, planner.id);
    await app.revocations.revoke(`planner:${planner.id}`, app.now());
    await syncAccess(app, planner.id);
    ctx.body = { id: planner.id, bindCode: planner.bindCode, bindCodeExpiresAt: planner.bindCodeExpiresAt };
  });

  r.post('/requirements', async (ctx) => {
    const input = parse(requirementInput, ctx.request.body);
    if (departsInPast(app, input.departDate))
      throw new HttpError(400, 'VALIDATION', 'departDate: must not be in the past', 'departDate', { departDate: '出发日期不能早于今天。' });
    const req = await createRequirement(app, input);
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
