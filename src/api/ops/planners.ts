/** Planners: create, list, one's record, edit, suspend, and their WeChat binding (QR code, unbind). */
import type Router from '@koa/router';
import type { Ctx } from '../../context.js';
import { parse } from '../../http/body.js';
import { createPlanner, listPlanners, plannerRecord, recordAudit, unbindPlanner, updatePlanner } from '../../ops/index.js';
import { createBindQr, revokeBindQr } from '../../wechat/index.js';
import { plannerQuery } from '../ops-inputs.js';
import { actorOf, before, id } from './audit.js';
import { plannerInput, plannerPatch } from './schemas.js';

export function plannersRoutes(app: Ctx, r: Router) {
  r.post('/planners', async (ctx) => {
    ctx.body = await createPlanner(app, parse(plannerInput, ctx.request.body));
    ctx.status = 201;
  });

  r.get('/planners', async (ctx) => {
    ctx.body = await listPlanners(app, parse(plannerQuery, ctx.query));
  });

  r.get('/planners/:id', async (ctx) => {
    ctx.body = await plannerRecord(app, id(ctx.params.id));
  });

  r.patch(
    '/planners/:id',
    before(app, (id) => app.db.planner.findUnique({ where: { id } })),
    async (ctx) => {
      const { reason: why, ...patch } = parse(plannerPatch, ctx.request.body);
      const statusReason = patch.status === 'suspended' ? why : patch.status === 'active' ? (why ?? null) : undefined;
      ctx.body = await updatePlanner(app, id(ctx.params.id), { ...patch, ...(statusReason !== undefined ? { statusReason } : {}) });
    },
  );

  /** A QR code that binds the WeChat user who scans it to this planner (CONTRACT). */
  r.post('/planners/:id/bind-qr', async (ctx) => {
    const qr = await createBindQr(app, id(ctx.params.id));
    ctx.status = 201;
    ctx.body = { scene: qr.scene, ticket: qr.ticket, url: qr.url, expiresAt: qr.expiresAt };
    // The audit keeps that a code was made and until when, not the code itself.
    await recordAudit(app, {
      ...actorOf(ctx),
      action: 'POST /api/ops/planners/:id/bind-qr',
      target: String(qr.plannerId),
      after: { expiresAt: qr.expiresAt },
      ip: ctx.ip,
    });
    ctx.state.audited = true;
  });

  r.delete('/planners/:id/bind-qr', async (ctx) => {
    const revoked = await revokeBindQr(app, id(ctx.params.id));
    ctx.body = { revoked };
  });

  r.post(
    '/planners/:id/unbind',
    before(app, (id) => app.db.planner.findUnique({ where: { id }, select: { id: true, openid: true } })),
    async (ctx) => {
      ctx.body = await unbindPlanner(app, id(ctx.params.id));
    },
  );
}
