/**
 * The ops console's pages (PC, Chinese), one file each: dashboard, requirements and one
 * requirement, planners and one planner, suppliers, grading, broadcasts, payments, and for admins
 * accounts and the audit log. Read from the same capabilities as the API; every change is a form
 * the console script sends to /api/ops/… (audited there), so no page writes anything.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Ctx } from '../../../context.js';
import { html } from '../html.js';
import { type Console, link, type Me, render } from '../layout.js';
import { accounts } from './accounts.js';
import { broadcasts } from './broadcasts.js';
import { dashboard } from './dashboard.js';
import { events } from './events.js';
import { grading } from './grading.js';
import { payments } from './payments.js';
import { planners } from './planners.js';
import { requirements } from './requirements.js';
import { simulations } from './simulations.js';
import { suppliers } from './suppliers.js';

const PAGES = [dashboard, requirements, planners, suppliers, grading, broadcasts, payments, simulations, events, accounts];

export function consolePages(app: Ctx, r: Router, me: (ctx: Context) => Me) {
  const c: Console = {
    app,
    me,
    page: (ctx, title, body, here) => render(ctx, title, body, me(ctx), here),
    async notFound(ctx, words, back) {
      ctx.status = 404;
      await render(ctx, '找不到', html`<section class="box"><h1>${words}</h1><p>${link(back, '返回列表')}</p></section>`, me(ctx), back);
    },
    async adminOnly(ctx) {
      if (me(ctx).role === 'admin') return true;
      ctx.status = 403;
      await render(ctx, '无权访问', html`<section class="box"><h1>只有管理员可以看这一页。</h1></section>`, me(ctx));
      return false;
    },
  };
  for (const register of PAGES) register(r, c);
}
