/** The dashboard's figures and the payments report. */
import type Router from '@koa/router';
import type { Ctx } from '../../context.js';
import { parse } from '../../http/body.js';
import { funnel, today } from '../../ops/index.js';
import { paymentsReport } from '../../pay/index.js';
import { funnelQuery, paymentsQuery } from './schemas.js';

export function reportsRoutes(app: Ctx, r: Router) {
  r.get('/stats/funnel', async (ctx) => {
    const { from, to } = parse(funnelQuery, ctx.query);
    ctx.body = await funnel(app, from, to);
  });

  /** Reconciliation: orders by state, paid per day, refunds stuck, and (check=1) disagreements with WeChat Pay. */
  r.get('/payments', async (ctx) => {
    const q = parse(paymentsQuery, ctx.query);
    ctx.body = await paymentsReport(app, q.from, q.to, q.check === '1');
  });

  r.get('/stats/today', async (ctx) => {
    ctx.body = await today(app);
  });
}
