/**
 * Personal data on request, for ops: a traveler's data exported (recorded in the audit as read), a
 * traveler erased (the account deleted for them: audited like every change), and a phone shown in
 * full from a masked record (recorded: who saw whose number, when, from where — not the number).
 */
import type Router from '@koa/router';
import { z } from 'zod';
import type { Ctx } from '../../context.js';
import { parse } from '../../http/body.js';
import { contactOf, plannerPhone } from '../../ops/index.js';
import { eraseTraveler, personalData } from '../../traveler/index.js';
import { id } from './audit.js';

const eraseInput = z.object(
  { basis: z.string({ error: 'is required (whose request, how it came)' }).trim().min(2, 'say whose request and how it came').max(200) },
  { error: 'body must be a JSON object' },
);

export function privacyRoutes(app: Ctx, r: Router) {
  /** Everything kept about a traveler, as JSON (a download with ?download=1); the reading itself is audited. */
  r.get('/travelers/:id/export', async (ctx) => {
    const travelerId = id(ctx.params.id);
    const data = await personalData(app, travelerId);
    ctx.state.auditAfter = null; // recorded, without what it showed
    ctx.set('cache-control', 'no-store');
    if (ctx.query.download === '1') ctx.attachment(`traveler-${travelerId}-data.json`);
    ctx.body = data;
  });

  /** Deletes a traveler's account on their request (`basis`: whose request, how it came). */
  r.post('/travelers/:id/erase', async (ctx) => {
    const { basis } = parse(eraseInput, ctx.request.body);
    const result = await eraseTraveler(app, id(ctx.params.id));
    ctx.state.auditAfter = { basis, ...result };
    ctx.body = result;
  });

  /** A requirement's contact in full (the console's 显示完整号码); the audit records that it was shown, not what. */
  r.post('/requirements/:id/contact', async (ctx) => {
    ctx.body = await contactOf(app, id(ctx.params.id));
    ctx.state.auditAfter = { shown: 'contact phone' };
    ctx.set('cache-control', 'no-store');
  });

  r.post('/planners/:id/phone', async (ctx) => {
    ctx.body = await plannerPhone(app, id(ctx.params.id));
    ctx.state.auditAfter = { shown: 'planner phone' };
    ctx.set('cache-control', 'no-store');
  });
}
