/** Ops API (CONTRACT): suppliers, planners, requirements entered on a traveler's behalf. Routes only: the rules are the capabilities'. */
import Router from '@koa/router';
import { z } from 'zod';
import type { Ctx } from '../context.js';
import { TIERS } from '../config.js';
import { requireRole } from '../http/auth.js';
import { dbId, idParam, json, jsonBody, parse } from '../http/body.js';
import { depositState, fenOfYuan } from '../money.js';
import { createRequirement, placesInput, requirementInput, requirementView } from '../requirements/index.js';
import {
  accountOf,
  applyGrading,
  audienceSummary,
  BROADCAST_CHANNELS,
  broadcastView,
  cancelBroadcast,
  createBroadcast,
  listBroadcasts,
  previewBroadcast,
  sendBroadcast,
  auditLog,
  closeRequirement,
  createPlanner,
  createSupplier,
  dispatchTo,
  funnel,
  gradingRun,
  gradingRuns,
  listAccounts,
  listPlanners,
  listRequirements,
  listSuppliers,
  plannerRecord,
  proposeGrading,
  recordAudit,
  reopenRequirement,
  requirementTimeline,
  today,
  unbindPlanner,
  updateAccount,
  updatePlanner,
  updateSupplier,
  upsertAccount,
} from '../ops/index.js';
import { createBindQr, publishMenu, revokeBindQr } from '../wechat/index.js';
import { resumeNotify } from '../notify/index.js';
import { paymentsReport, requestRefund } from '../pay/index.js';
import { sameOrigin } from '../http/auth.js';
import { closeOpsSession, openOpsSession } from './ops-session.js';
import { chinaDay, plannerQuery, requirementQuery } from './ops-inputs.js';
import { DomainError, refusal } from '../errors.js';
import type { Context, Next } from 'koa';

const supplierInput = z.object({ name: z.string().trim().min(1, 'must not be empty').max(100) }, { error: 'body must be a JSON object' });
/** Suspending says why (the planner, their supplier and the audit log read it); resuming may. */
const reason = z.string({ error: 'must be text' }).trim().min(1, 'must not be empty').max(200, 'at most 200 characters');
const needsReason = (v: { status?: string; reason?: string }, c: z.RefinementCtx) => {
  if (v.status === 'suspended' && !v.reason)
    c.addIssue({ code: 'custom', path: ['reason'], message: 'is required to suspend', params: { zh: '停用请写明原因。' } });
};
const supplierPatch = z
  .object(
    { status: z.enum(['active', 'suspended'], { error: 'must be "active" or "suspended"' }), reason: reason.optional() },
    { error: 'body must be a JSON object' },
  )
  .superRefine(needsReason);
const plannerFields = {
  name: z.string().trim().min(1, 'must not be empty').max(50),
  phone: z
    .string()
    .trim()
    .regex(/^1[3-9]\d{9}$/, 'must be an 11-digit mainland mobile number'),
  tier: z.enum(TIERS, { error: 'must be S, A, B or C' }),
  destinations: placesInput(1, 50),
  maxActive: z.number({ error: 'must be a number' }).int().min(1, 'must be at least 1').max(500),
  dailyQuota: z.number().int().min(1).max(1000).optional(),
  openid: z.string().trim().min(1).max(64).optional(),
};
const plannerInput = z.object({ supplierId: dbId('supplier'), ...plannerFields }, { error: 'body must be a JSON object' });
const plannerPatch = z
  .object(
    { ...plannerFields, status: z.enum(['active', 'suspended'], { error: 'must be "active" or "suspended"' }), reason },
    { error: 'body must be a JSON object' },
  )
  .partial()
  .omit({ phone: true })
  .superRefine(needsReason);

const funnelQuery = z
  .object({ from: chinaDay, to: chinaDay }, { error: 'from and to are required' })
  .refine((q) => q.from <= q.to, { path: ['to'], message: 'must not be before from' })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 366 * 86_400_000, { path: ['to'], message: 'at most a year after from' });
const destinationsList = placesInput(0, 50);
const audienceInput = z
  .object(
    {
      tiers: z
        .array(z.enum(TIERS, { error: 'must be S, A, B or C' }), { error: 'must be a list of tiers' })
        .max(4)
        .optional(),
      destinations: destinationsList.optional(),
      supplierIds: z
        .array(z.number({ error: 'must be supplier ids' }).int().positive(), { error: 'must be a list of supplier ids' })
        .max(1000)
        .optional(),
      plannerIds: z
        .array(z.number({ error: 'must be planner ids' }).int().positive(), { error: 'must be a list of planner ids' })
        .max(10_000)
        .optional(),
    },
    { error: 'must be an object: {tiers?, destinations?, supplierIds?, plannerIds?}' },
  )
  .strict();
const broadcastInput = z.object(
  {
    audience: audienceInput,
    channels: z
      .array(z.enum(BROADCAST_CHANNELS, { error: 'must be live, template or mass' }), { error: 'must be a list: live, template, mass' })
      .min(1, 'choose at least one channel')
      .transform((cs) => [...new Set(cs)]),
    title: z.string({ error: 'is required' }).trim().min(1, 'must not be empty').max(20, 'at most 20 characters (WeChat shows 20)'),
    body: z.string({ error: 'is required' }).trim().min(1, 'must not be empty').max(600, 'at most 600 characters'),
    url: z
      .string()
      .trim()
      .regex(/^\/(h5|pc)\/[\w\-/]*$/, 'must be a page of this site, such as /h5/pool')
      .optional(),
  },
  { error: 'body must be a JSON object' },
);
/** A preview goes to one person the product knows: a planner (by id), or a WeChat user by openid (a planner's or a traveler's). */
const previewInput = z
  .object(
    {
      plannerId: dbId('planner').optional(),
      openid: z
        .string()
        .trim()
        .regex(/^[\w-]{1,64}$/, 'must be a WeChat openid')
        .optional(),
    },
    { error: 'body must be a JSON object' },
  )
  .refine((b) => b.plannerId !== undefined || b.openid !== undefined, {
    path: ['plannerId'],
    message: 'choose a planner (or give an openid)',
    params: { zh: '请选择接收预览的定制师。' },
  });
const paymentsQuery = z
  .object(
    { from: chinaDay, to: chinaDay, check: z.enum(['0', '1'], { error: 'must be 0 or 1' }).optional() },
    { error: 'from and to are required' },
  )
  .refine((q) => q.from <= q.to, { path: ['to'], message: 'must not be before from' })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 366 * 86_400_000, { path: ['to'], message: 'at most a year after from' });
const dispatchInput = z.object({ plannerId: dbId('planner') }, { error: 'body must be a JSON object' });
const closeInput = z.object({ reason }, { error: 'body must be a JSON object' });
/**
 * A refund: all that is left, or an amount — `amountYuan` as a person types it (the console's form;
 * "1000" is ¥1,000), or `amountFen` for scripts. Never both: one of them would be a mistake.
 */
const refundInput = z
  .object(
    {
      reason,
      amountFen: z.number({ error: 'must be a number of fen' }).int('must be whole fen').positive('must be more than 0').optional(),
      amountYuan: z
        .union([z.string(), z.number()], { error: 'must be an amount in yuan' })
        .transform((v, c) => {
          const fen = typeof v === 'string' && v.trim() === '' ? undefined : fenOfYuan(v);
          if (fen === null || fen === 0)
            c.addIssue({
              code: 'custom',
              message: 'must be an amount in yuan with at most two decimals',
              params: { zh: '请填写金额（元），最多两位小数，例如 1000 或 1000.50。' },
            });
          return fen ?? undefined;
        })
        .optional(),
    },
    { error: 'body must be a JSON object' },
  )
  .refine((b) => b.amountFen === undefined || b.amountYuan === undefined, {
    path: ['amountYuan'],
    message: 'give amountYuan or amountFen, not both',
  });
const applyInput = z.object(
  {
    plannerIds: z
      .array(z.number({ error: 'must be planner ids' }).int().positive(), { error: 'must be a list of planner ids' })
      .min(1, 'name at least one planner')
      .max(1000)
      .optional(),
  },
  { error: 'body must be a JSON object' },
);
const accountInput = z.object(
  {
    email: z.string({ error: 'is required' }).trim().email('must be an e-mail address').max(200),
    name: z.string().trim().min(1, 'must not be empty').max(50).optional(),
    // At creation only (default ops): resetting an existing account's password never changes its role.
    role: z.enum(['admin', 'ops'], { error: 'must be "admin" or "ops"' }).optional(),
  },
  { error: 'body must be a JSON object' },
);
const accountPatch = z.object(
  {
    status: z.enum(['active', 'suspended'], { error: 'must be "active" or "suspended"' }).optional(),
    role: z.enum(['admin', 'ops'], { error: 'must be "admin" or "ops"' }).optional(),
  },
  { error: 'body must be a JSON object' },
);

const actorOf = (ctx: Context) => ({ accountId: ctx.state.opsActor!.accountId, actor: ctx.state.opsActor!.actor });

function id(param: string | undefined): number {
  const n = idParam(param);
  if (!n) throw refusal('NOT_FOUND', 'id: no such record (ids are positive integers)', 'id');
  return n;
}

const signInInput = z.object(
  {
    email: z.string({ error: 'is required' }).trim().email('must be an e-mail address').max(200),
    password: z.string({ error: 'is required' }).min(1, 'is required').max(200),
  },
  { error: 'body must be a JSON object' },
);

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

/** Before → after for the rows an ops change edits (read before the change, by route). */
const BEFORE: Record<string, (app: Ctx, id: number) => Promise<unknown>> = {
  'PATCH /api/ops/planners/:id': (app, id) => app.db.planner.findUnique({ where: { id } }),
  'PATCH /api/ops/suppliers/:id': (app, id) => app.db.supplier.findUnique({ where: { id } }),
  'POST /api/ops/planners/:id/unbind': (app, id) => app.db.planner.findUnique({ where: { id }, select: { id: true, openid: true } }),
  'POST /api/ops/requirements/:id/close': (app, id) => app.db.requirement.findUnique({ where: { id }, select: { id: true, status: true } }),
  'POST /api/ops/requirements/:id/reopen': (app, id) =>
    app.db.requirement.findUnique({ where: { id }, select: { id: true, status: true, closedReason: true } }),
  'PATCH /api/ops/accounts/:id': (app, id) =>
    app.db.opsAccount.findUnique({ where: { id }, select: { id: true, email: true, role: true, status: true } }),
};

/** Admins only (and the API token, which scripts hold for the whole console). */
async function adminOnly(app: Ctx, ctx: Context) {
  const who = ctx.state.opsActor!;
  if (who.accountId !== null && (await accountOf(app, who.accountId))?.role !== 'admin') throw new DomainError('ADMIN_ONLY');
}

/** The words of the person acting, for history kept outside the audit log (grading runs). */
async function actorName(app: Ctx, ctx: Context): Promise<string> {
  const who = ctx.state.opsActor!;
  if (who.accountId === null) return 'API 令牌';
  const a = await accountOf(app, who.accountId);
  return a ? `${a.name}（${a.email}）` : who.actor;
}

/** Every state-changing ops request that succeeded is written to the audit log: who, what, on what, before → after. */
function audited(app: Ctx) {
  return async (ctx: Context, next: Next) => {
    if (ctx.method === 'GET' || ctx.method === 'HEAD') return next();
    // The route as written (ids as :id): this middleware runs before the router has matched a route.
    const action = `${ctx.method} ${ctx.path.replace(/\/\d+(?=\/|$)/g, '/:id')}`;
    const target = /\/(\d+)(?:\/|$)/.exec(ctx.path)?.[1];
    const id = idParam(target);
    const before = id && BEFORE[action] ? await BEFORE[action](app, id) : undefined;
    await next();
    if (ctx.status >= 400 || ctx.state.audited) return; // refused, or the route wrote its own entry
    const who = ctx.state.opsActor!;
    // A change's audit holds what it changed (the fields the request named), never one-time secrets.
    const named = ctx.method === 'PATCH' && ctx.request.body && typeof ctx.request.body === 'object' ? Object.keys(ctx.request.body) : null;
    await recordAudit(app, {
      accountId: who.accountId,
      actor: who.actor,
      action,
      target,
      before: named ? only(before, named) : before,
      after: withoutSecrets(named ? only(ctx.body, named) : ctx.body),
      ip: ctx.ip,
    });
  };
}

/** Signing in and out of the console (no session needed to sign in; a same-origin request). */
function sessionRoutes(app: Ctx, r: Router) {
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
  sessionRoutes(app, r);
  r.use(requireRole(app, 'ops'), json);
  r.use(audited(app));

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

  r.post('/suppliers', async (ctx) => {
    ctx.body = await createSupplier(app, parse(supplierInput, ctx.request.body));
    ctx.status = 201;
  });

  r.get('/suppliers', async (ctx) => {
    ctx.body = { items: await listSuppliers(app) };
  });

  r.patch('/suppliers/:id', async (ctx) => {
    const { status, reason: why } = parse(supplierPatch, ctx.request.body);
    ctx.body = await updateSupplier(app, id(ctx.params.id), { status, statusReason: status === 'suspended' ? why : (why ?? null) });
  });

  r.post('/planners', async (ctx) => {
    ctx.body = await createPlanner(app, parse(plannerInput, ctx.request.body));
    ctx.status = 201;
  });

  r.get('/planners', async (ctx) => {
    ctx.body = await listPlanners(app, parse(plannerQuery, ctx.query));
  });

  r.get('/planners/:id', async (ctx) => {
    ctx.body = await plannerRecord(app, id(ctx.params.id));
  });

  r.patch('/planners/:id', async (ctx) => {
    const { reason: why, ...patch } = parse(plannerPatch, ctx.request.body);
    const statusReason = patch.status === 'suspended' ? why : patch.status === 'active' ? (why ?? null) : undefined;
    ctx.body = await updatePlanner(app, id(ctx.params.id), { ...patch, ...(statusReason !== undefined ? { statusReason } : {}) });
  });

  /** A QR code that binds the WeChat user who scans it to this planner (CONTRACT). */
  r.post('/planners/:id/bind-qr', async (ctx) => {
    const qr = await createBindQr(app, id(ctx.params.id));
    ctx.status = 201;
    ctx.body = { scene: qr.scene, ticket: qr.ticket, url: qr.url, expiresAt: qr.expiresAt };
    // The audit keeps that a code was made and until when, not the code itself.
    await recordAudit(app, {
      ...actorOf(ctx),
      action: 'POST /api/ops/planners/:id/bind-qr',
      target: String(qr.plannerId),
      after: { expiresAt: qr.expiresAt },
      ip: ctx.ip,
    });
    ctx.state.audited = true;
  });

  r.delete('/planners/:id/bind-qr', async (ctx) => {
    const revoked = await revokeBindQr(app, id(ctx.params.id));
    ctx.body = { revoked };
  });

  r.post('/planners/:id/unbind', async (ctx) => {
    ctx.body = await unbindPlanner(app, id(ctx.params.id));
  });

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
    const d = await app.db.deposit.findFirst({ where: { requirementId: view.id }, orderBy: { createdAt: 'desc' } });
    ctx.body = {
      ...view,
      deposit: d && {
        status: d.status,
        amountFen: d.amountFen,
        outTradeNo: d.outTradeNo,
        transactionId: d.transactionId,
        paidAt: d.paidAt,
        expiresAt: d.expiresAt,
        refundedFen: d.refundedFen,
        state: depositState(d),
      },
    };
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

  r.post('/requirements/:id/close', async (ctx) => {
    const { reason: why } = parse(closeInput, ctx.request.body);
    const rid = id(ctx.params.id);
    await closeRequirement(app, rid, why);
    ctx.body = { id: rid, status: 'closed', closedReason: why };
  });

  /** A refund of the deposit (full, or amountFen of what is left), with a reason: idempotent by out_refund_no. */
  r.post('/requirements/:id/refund', async (ctx) => {
    const input = parse(refundInput, ctx.request.body);
    const amountFen = input.amountYuan ?? input.amountFen;
    const field = input.amountYuan !== undefined ? 'amountYuan' : 'amountFen';
    ctx.status = 201;
    ctx.body = await requestRefund(app, id(ctx.params.id), { reason: input.reason, amountFen, field }, await actorName(app, ctx));
  });

  r.post('/requirements/:id/reopen', async (ctx) => {
    const rid = id(ctx.params.id);
    await reopenRequirement(app, rid);
    ctx.body = { id: rid, status: 'open' };
  });

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

  /** Template messages paused by 45009 (the day's quota): resume now (after clearing the quota in WeChat's console). */
  r.post('/notify/resume', async (ctx) => {
    await resumeNotify(app, app.queue.opts.connection as never);
    ctx.body = { paused: false };
  });

  /** Publishes the official account's custom menu (as npm run wechat:menu). */
  r.post('/wechat/menu', async (ctx) => {
    ctx.body = {
      button: await publishMenu(app).catch((err: Error) => {
        throw new DomainError('WECHAT_REFUSED', { message: `微信没有接受菜单：${err.message.slice(0, 100)}` });
      }),
    };
  });

  // ── broadcasts (CONTRACT) ──
  r.get('/broadcasts', async (ctx) => {
    ctx.body = { items: await listBroadcasts(app) };
  });

  /** Who an audience reaches, before composing (the console shows it as you choose). */
  r.post('/broadcasts/audience', async (ctx) => {
    ctx.body = await audienceSummary(app, parse(audienceInput, ctx.request.body));
    ctx.state.audited = true; // a read, made with POST for its body
  });

  r.post('/broadcasts', async (ctx) => {
    const view = await createBroadcast(app, parse(broadcastInput, ctx.request.body), await actorName(app, ctx));
    ctx.status = 201;
    ctx.body = view;
  });

  r.get('/broadcasts/:id', async (ctx) => {
    ctx.body = await broadcastView(app, id(ctx.params.id));
  });

  r.post('/broadcasts/:id/preview', async (ctx) => {
    ctx.body = await previewBroadcast(app, id(ctx.params.id), parse(previewInput, ctx.request.body));
  });

  r.post('/broadcasts/:id/send', async (ctx) => {
    ctx.body = await sendBroadcast(app, id(ctx.params.id));
  });

  r.post('/broadcasts/:id/cancel', async (ctx) => {
    ctx.body = await cancelBroadcast(app, id(ctx.params.id));
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

  r.patch('/accounts/:id', async (ctx) => {
    await adminOnly(app, ctx);
    const patch = parse(accountPatch, ctx.request.body);
    ctx.body = await updateAccount(app, id(ctx.params.id), patch, ctx.state.opsActor!.accountId);
  });

  return r;
}
