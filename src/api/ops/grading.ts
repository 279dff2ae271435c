/** Tier grading: runs, a preview now, applying its moves. */
import type Router from '@koa/router';
import type { Ctx } from '../../context.js';
import { parse } from '../../http/body.js';
import { applyGrading, gradingRun, gradingRuns, proposeGrading } from '../../ops/index.js';
import { actorName, id } from './audit.js';
import { applyInput } from './schemas.js';

export function gradingRoutes(app: Ctx, r: Router) {
  r.get('/grading', async (ctx) => {
    ctx.body = { items: await gradingRuns(app) };
  });

  /** A preview now (the weekly job makes one too): who would move, from → to, and the numbers why. */
  r.post('/grading', async (ctx) => {
    ctx.status = 201;
    ctx.body = await proposeGrading(app, 'manual');
  });

  r.get('/grading/:id', async (ctx) => {
    ctx.body = await gradingRun(app, id(ctx.params.id));
  });

  r.post('/grading/:id/apply', async (ctx) => {
    const { plannerIds } = parse(applyInput, ctx.request.body ?? {});
    ctx.body = await applyGrading(app, id(ctx.params.id), await actorName(app, ctx), plannerIds);
  });
}
