/**
 * The ops API's audit: every state-changing request that succeeds is written down — who, what (the
 * route as the router matched it), on what, before → after. A route that edits a row declares how
 * to read it before the change (`before`), beside the route itself, so renaming a route cannot
 * silently lose its "before". Also the helpers every ops route uses: the id in the path, who acts.
 */
import type { Context, Next } from 'koa';
import type { Ctx } from '../../context.js';
import { DomainError, refusal } from '../../errors.js';
import { idParam } from '../../http/body.js';
import { accountOf, recordAudit } from '../../ops/index.js';

/** The record id in the path (:id), or a 404 naming it. */
export function id(param: string | undefined): number {
  const n = idParam(param);
  if (!n) throw refusal('NOT_FOUND', 'id: no such record (ids are positive integers)', 'id');
  return n;
}

export const actorOf = (ctx: Context) => ({ accountId: ctx.state.opsActor!.accountId, actor: ctx.state.opsActor!.actor });

/** Admins only (and the API token, which scripts hold for the whole console). */
export async function adminOnly(app: Ctx, ctx: Context) {
  const who = ctx.state.opsActor!;
  if (who.accountId !== null && (await accountOf(app, who.accountId))?.role !== 'admin') throw new DomainError('ADMIN_ONLY');
}

/** The words of the person acting, for history kept outside the audit log (grading runs). */
export async function actorName(app: Ctx, ctx: Context): Promise<string> {
  const who = ctx.state.opsActor!;
  if (who.accountId === null) return 'API 令牌';
  const a = await accountOf(app, who.accountId);
  return a ? `${a.name}（${a.email}）` : who.actor;
}

/** A route's "before": the row its :id names, read before the change runs, for the audit's before → after. */
export const before =
  (_app: Ctx, read: (id: number) => Promise<unknown>) =>
  async (ctx: Context, next: Next): Promise<void> => {
    const n = idParam(ctx.params.id);
    if (n) ctx.state.auditBefore = await read(n);
    return next();
  };

/** One-time secrets an answer may carry (a planner's bind code): never kept in the audit. */
const SECRETS = new Set(['bindCode', 'password', 'ticket']);
function withoutSecrets(v: unknown): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, SECRETS.has(k) && x ? '（已隐藏）' : x]));
}
/** The fields of a row a change named (its before and after, not the whole row). */
function only(row: unknown, fields: string[]): unknown {
  if (!row || typeof row !== 'object') return row;
  const r = row as Record<string, unknown>;
  return Object.fromEntries(fields.filter((f) => f in r).map((f) => [f, r[f]]));
}

/**
 * Writes the audit entry of every write that succeeded (routes that write their own set
 * ctx.state.audited), and of a read whose route asked for it (ctx.state.auditAfter).
 */
export function audited(app: Ctx) {
  return async (ctx: Context, next: Next) => {
    const read = ctx.method === 'GET' || ctx.method === 'HEAD';
    await next();
    if (ctx.status >= 400 || ctx.state.audited) return; // refused, or the route wrote its own entry
    if (read && ctx.state.auditAfter === undefined) return;
    // The route as written (ids as :id), as the router matched it.
    const action = `${ctx.method} ${typeof ctx.routerPath === 'string' ? ctx.routerPath : ctx.path.replace(/\/\d+(?=\/|$)/g, '/:id')}`;
    const target = /\/(\d+)(?:\/|$)/.exec(ctx.path)?.[1];
    const was = ctx.state.auditBefore;
    // A change's audit holds what it changed (the fields the request named), never one-time secrets.
    const named = ctx.method === 'PATCH' && ctx.request.body && typeof ctx.request.body === 'object' ? Object.keys(ctx.request.body) : null;
    await recordAudit(app, {
      ...actorOf(ctx),
      action,
      target,
      before: named ? only(was, named) : was,
      after: ctx.state.auditAfter !== undefined ? ctx.state.auditAfter : withoutSecrets(named ? only(ctx.body, named) : ctx.body),
      ip: ctx.ip,
    });
  };
}
