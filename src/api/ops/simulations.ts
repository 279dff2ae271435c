/** Simulations (模拟): start one (queued, one at a time), follow it, list them; the fit of "from our data". */
import type Router from '@koa/router';
import { z } from 'zod';
import type { Ctx } from '../../context.js';
import { parse } from '../../http/body.js';
import { previewFit, requestSimulation, simulationInput, simulationRun, simulationRuns } from '../../sim/index.js';
import { actorName, id } from './audit.js';

const fitQuery = z.object({ days: z.coerce.number().int().min(1, 'at least 1 day').max(365, 'at most 365 days').default(30) });

export function simulationsRoutes(app: Ctx, r: Router) {
  r.get('/simulations', async (ctx) => {
    ctx.body = { items: await simulationRuns(app) };
  });

  /** What "from our data" would use, fitted now from the last `days` days (nothing is run). */
  r.get('/simulations/fit', async (ctx) => {
    ctx.body = await previewFit(app, parse(fitQuery, ctx.query).days);
  });

  r.post('/simulations', async (ctx) => {
    const input = parse(simulationInput, ctx.request.body ?? {});
    ctx.status = 201;
    ctx.body = await requestSimulation(app, input, await actorName(app, ctx));
  });

  r.get('/simulations/:id', async (ctx) => {
    ctx.body = await simulationRun(app, id(ctx.params.id));
  });
}
