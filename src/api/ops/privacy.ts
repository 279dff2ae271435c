/**
 * Personal data on request, for ops: a traveler's data exported (recorded in the audit as read), a
 * traveler erased (the account deleted for them: audited like every change), and a phone shown in
 * full from a masked record (recorded: who saw whose number, when, from where — not the number).
 */
import type Router from '@koa/router';
import { z } from 'zod';
import type { Ctx } from '../../context.js';
import { parse } from '../../http/body.js';
import { contactOf, plannerPhone, recordAudit } from '../../ops/index.js';
import { eraseTraveler, personalData } from '../../traveler/index.js';
import { actorOf, id } from './audit.js';

const eraseInput = z.object(
  { basis: z.string({ error: 'is required (whose request, how it came)' }).trim().min(2, 'say whose request and how it came').max(200) },
  { error: 'body must be a JSON object' },
);

export function privacyRoutes(app: Ctx, r: Router) {
  /** Everything kept about a traveler, as JSON (a download with ?download=1); the reading itself is audited. */
  r.get('/travelers/:id/export', async (ctx) => {
    const travelerId = id(ctx.params.id);
    const data = await personalData(app, travelerId);
    await recordAudit(app, { ...actorOf(ctx), action: 'GET /api/ops/travelers/:id/export', target: String(travelerId), ip: ctx.ip });
    ctx.set('cache-control', 'no-store');
    if (ctx.query.download === '1') ctx.attachment(`traveler-${travelerId}-data.json`);
    ctx.body = data;
  });

  /** Deletes a traveler's account on their request (`basis`: whose request, how it came). */
  r.post('/travelers/:id/erase', async (ctx) => {
    const { basis } = parse(eraseInput, ctx.request.body);
    const travelerId = id(ctx.params.id);
    const result = await eraseTraveler(app, travelerId);
    ctx.state.audited = true;
    await recordAudit(app, {
      ...actorOf(ctx),
      action: 'POST /api/ops/travelers/:id/erase',
      target: String(travelerId),
      after: { basis, ...result },
      ip: ctx.ip,
    });
    ctx.body = result;
  });

  /** A requirement's contact in full (the console's 显示完整号码); the audit records that it was shown. */
  r.post('/requirements/:id/contact', async (ctx) => {
    const c = await contactOf(app, id(ctx.params.id));
    ctx.state.audited = true;
    await recordAudit(app, {
      ...actorOf(ctx),
      action: 'POST /api/ops/requirements/:id/contact',
      target: ctx.params.id,
      after: { shown: 'contact phone' },
      ip: ctx.ip,
    });
    ctx.set('cache-control', 'no-store');
    ctx.body = c;
  });

  r.post('/planners/:id/phone', async (ctx) => {
    const p = await plannerPhone(app, id(ctx.params.id));
    ctx.state.audited = true;
    await recordAudit(app, {
      ...actorOf(ctx),
      action: 'POST /api/ops/planners/:id/phone',
      target: ctx.params.id,
      after: { shown: 'planner phone' },
      ip: ctx.ip,
    });
    ctx.set('cache-control', 'no-store');
    ctx.body = p;
  });
}
