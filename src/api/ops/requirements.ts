/** Requirements: entered on a traveler's behalf, listed, one with its timeline, dispatched, closed, reopened, refunded. */
import type Router from '@koa/router';
import type { Ctx } from '../../context.js';
import { refusal } from '../../errors.js';
import { parse } from '../../http/body.js';
import { closeRequirement, dispatchTo, listRequirements, reopenRequirement, requirementTimeline } from '../../ops/index.js';
import { latestDeposit, requestRefund } from '../../pay/index.js';
import { createRequirement, requirementInput, requirementView } from '../../requirements/index.js';
import { requirementQuery } from '../ops-inputs.js';
import { actorName, before, id } from './audit.js';
import { closeInput, dispatchInput, refundInput } from './schemas.js';

export function requirementsRoutes(app: Ctx, r: Router) {
  r.post('/requirements', async (ctx) => {
    const req = await createRequirement(app, parse(requirementInput, ctx.request.body));
    ctx.status = 201;
    ctx.body = await requirementView(app, req.id);
  });

  r.get('/requirements', async (ctx) => {
    ctx.body = await listRequirements(app, parse(requirementQuery, ctx.query));
  });

  r.get('/requirements/:id', async (ctx) => {
    const view = await requirementView(app, id(ctx.params.id));
    if (!view) throw refusal('NOT_FOUND', 'no such requirement', 'id');
    ctx.body = { ...view, deposit: await latestDeposit(app, view.id) };
  });

  r.get('/requirements/:id/timeline', async (ctx) => {
    ctx.body = await requirementTimeline(app, id(ctx.params.id));
  });

  /** CONTRACT: 201 a work order on the dispatch channel; the grab rules' refusals as 409 with their code. */
  r.post('/requirements/:id/dispatch', async (ctx) => {
    const { plannerId } = parse(dispatchInput, ctx.request.body);
    const wo = await dispatchTo(app, id(ctx.params.id), plannerId);
    ctx.status = wo.repeat ? 200 : 201;
    ctx.body = wo;
  });

  r.post(
    '/requirements/:id/close',
    before(app, (id) => app.db.requirement.findUnique({ where: { id }, select: { id: true, status: true } })),
    async (ctx) => {
      const { reason: why } = parse(closeInput, ctx.request.body);
      const rid = id(ctx.params.id);
      await closeRequirement(app, rid, why);
      ctx.body = { id: rid, status: 'closed', closedReason: why };
    },
  );

  /** A refund of the deposit (full, or amountFen of what is left), with a reason: idempotent by out_refund_no. */
  r.post('/requirements/:id/refund', async (ctx) => {
    const input = parse(refundInput, ctx.request.body);
    const amountFen = input.amountYuan ?? input.amountFen;
    const field = input.amountYuan !== undefined ? 'amountYuan' : 'amountFen';
    ctx.status = 201;
    ctx.body = await requestRefund(app, id(ctx.params.id), { reason: input.reason, amountFen, field }, await actorName(app, ctx));
  });

  r.post(
    '/requirements/:id/reopen',
    before(app, (id) => app.db.requirement.findUnique({ where: { id }, select: { id: true, status: true, closedReason: true } })),
    async (ctx) => {
      const rid = id(ctx.params.id);
      await reopenRequirement(app, rid);
      ctx.body = { id: rid, status: 'open' };
    },
  );
}
