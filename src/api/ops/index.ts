/**
 * The ops API (its contract routes are documented in docs/api.md): one file per resource, each route
 * parsing its input (schemas.ts), calling a capability and answering; the rules are the
 * capabilities'. Every write that succeeds is audited (audit.ts).
 */
import Router from '@koa/router';
import type { Ctx } from '../../context.js';
import { DomainError } from '../../errors.js';
import { requireRole, sameOrigin } from '../../http/auth.js';
import { json, jsonBody, parse } from '../../http/body.js';
import { openOpsSession } from '../ops-session.js';
import { accountsRoutes } from './accounts.js';
import { audited } from './audit.js';
import { eventsRoutes } from './events.js';
import { gradingRoutes } from './grading.js';
import { messagingRoutes } from './messaging.js';
import { plannersRoutes } from './planners.js';
import { privacyRoutes } from './privacy.js';
import { reportsRoutes } from './reports.js';
import { requirementsRoutes } from './requirements.js';
import { signInInput } from './schemas.js';
import { simulationsRoutes } from './simulations.js';
import { suppliersRoutes } from './suppliers.js';

/** Signing in and out of the console (no session needed to sign in; a same-origin request). */
function signInRoute(app: Ctx, r: Router) {
  // The origin first and a body no bigger than an e-mail and a password: a stranger's request costs nothing to refuse.
  const signIn = jsonBody(2048);
  r.post(
    '/session',
    async (ctx, next) => {
      if (!sameOrigin(ctx, app.config.PUBLIC_URL)) throw new DomainError('CROSS_SITE');
      return signIn(ctx, next);
    },
    async (ctx) => {
      const { email, password } = parse(signInInput, ctx.request.body);
      ctx.body = await openOpsSession(app, ctx, email, password);
    },
  );
}

export function opsRoutes(app: Ctx): Router {
  const r = new Router({ prefix: '/api/ops' });
  signInRoute(app, r);
  r.use(requireRole(app, 'ops'), json);
  r.use(audited(app));
  for (const resource of [
    accountsRoutes,
    suppliersRoutes,
    plannersRoutes,
    requirementsRoutes,
    reportsRoutes,
    gradingRoutes,
    messagingRoutes,
    simulationsRoutes,
    eventsRoutes,
    privacyRoutes,
  ])
    resource(app, r);
  return r;
}
