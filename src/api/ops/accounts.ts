/** Ops accounts and the console's session: who am I, sign out everywhere, the audit log, accounts (admins only). */
import type Router from '@koa/router';
import type { Ctx } from '../../context.js';
import { DomainError } from '../../errors.js';
import { parse } from '../../http/body.js';
import { accountOf, auditLog, listAccounts, recordAudit, updateAccount, upsertAccount } from '../../ops/index.js';
import { closeOpsSession } from '../ops-session.js';
import { actorOf, adminOnly, before, id } from './audit.js';
import { accountInput, accountPatch } from './schemas.js';

export function accountsRoutes(app: Ctx, r: Router) {
  r.get('/me', async (ctx) => {
    const who = ctx.state.opsActor!;
    if (who.accountId === null) return void (ctx.body = { actor: who.actor, role: 'admin' });
    const account = await accountOf(app, who.accountId);
    if (!account) throw new DomainError('ACCOUNT_SUSPENDED');
    ctx.body = account;
  });

  /** Signs this account out everywhere (every session of it issued until now is refused). */
  r.delete('/session', async (ctx) => {
    await closeOpsSession(app, ctx, ctx.state.opsActor!.accountId);
    ctx.state.audited = true;
    ctx.status = 204;
  });

  /** The audit log, newest first: admins (and the API token) only. */
  r.get('/audit', async (ctx) => {
    await adminOnly(app, ctx);
    const before = typeof ctx.query.before === 'string' && /^\d+$/.test(ctx.query.before) ? BigInt(ctx.query.before) : undefined;
    ctx.body = { items: await auditLog(app, { limit: Number(ctx.query.limit) || 50, beforeId: before }) };
  });

  // ── ops accounts: admins only ──
  r.get('/accounts', async (ctx) => {
    await adminOnly(app, ctx);
    ctx.body = { items: await listAccounts(app) };
  });

  /** Creates an account (or resets its password): the one-time password is in this answer only, never in the audit log. */
  r.post('/accounts', async (ctx) => {
    await adminOnly(app, ctx);
    const input = parse(accountInput, ctx.request.body);
    const a = await upsertAccount(app, input);
    ctx.status = a.created ? 201 : 200;
    ctx.body = a;
    const { password: _, ...kept } = a;
    await recordAudit(app, {
      ...actorOf(ctx),
      action: a.created ? 'create account' : 'reset password',
      target: String(a.id),
      after: kept,
      ip: ctx.ip,
    });
    ctx.state.audited = true;
  });

  r.patch(
    '/accounts/:id',
    before(app, (id) => app.db.opsAccount.findUnique({ where: { id }, select: { id: true, email: true, role: true, status: true } })),
    async (ctx) => {
      await adminOnly(app, ctx);
      const patch = parse(accountPatch, ctx.request.body);
      ctx.body = await updateAccount(app, id(ctx.params.id), patch, ctx.state.opsActor!.accountId);
    },
  );
}
