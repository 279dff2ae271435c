/**
 * Traveler API, behind a WeChat session: submit a trip (a guest becomes a traveler by doing so),
 * prove a phone by SMS, list mine, read one with its proposals, choose one. Errors name every
 * field a form must mark.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Ctx } from '../context.js';
import { requireRole } from '../http/auth.js';
import { idParam, json } from '../http/body.js';
import { HttpError, validationError } from '../http/errors.js';
import { COOKIE, signSession } from '../session/session.js';
import { createRequirement, departsInPast, requirementInput } from '../requirements/intake.js';
import { requirementKeys } from '../grab/keys.js';
import { cardOf } from '../grab/hot-state.js';
import { depositFor } from '../pay/deposit.js';
import { choose } from './choose.js';
import { verifiedOwner } from './identity.js';
import { sendPhoneCode, verifyPhoneCode } from './phone.js';
import { createSmsSender } from '../sms/sender.js';
import { z } from 'zod';

/** What a traveler may set: everything ops may, but the matching knobs and their WeChat identity. */
const TRAVELER_FIELDS = [
  'traveler',
  'subject',
  'company',
  'origin',
  'destinations',
  'departDate',
  'returnDate',
  'adults',
  'children',
  'budgetFen',
  'budgetType',
  'plannersWanted',
  'notes',
];

function pick(body: unknown): Record<string, unknown> | unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const b = body as Record<string, unknown>;
  return Object.fromEntries(TRAVELER_FIELDS.filter((k) => k in b).map((k) => [k, b[k]]));
}

const phoneInput = z.object({ phone: requirementInput.shape.traveler.shape.phone }, { error: 'body must be a JSON object' });
const verifyInput = phoneInput.extend({ code: z.string({ error: 'is required' }).regex(/^\d{6}$/, '验证码是 6 位数字') });

/** The signed-in WeChat user's openid: from the session (a guest), or their traveler row. */
async function myOpenid(app: Ctx, ctx: Context): Promise<string> {
  const s = ctx.state.session!;
  const openid =
    s.role === 'guest' ? s.openid : (await app.db.traveler.findUnique({ where: { id: s.id }, select: { openid: true } }))?.openid;
  if (!openid) throw new HttpError(403, 'FORBIDDEN', 'sign in through WeChat first');
  return openid;
}

/** A guest who now has a traveler row gets a traveler session. */
function becomeTraveler(app: Ctx, ctx: Context, travelerId: number) {
  if (ctx.state.session!.role !== 'guest') return;
  ctx.cookies.set(COOKIE, signSession(app.sessionSecret, { role: 'traveler', id: travelerId }, app.now()), {
    httpOnly: true,
    sameSite: 'lax',
    secure: app.config.https,
    maxAge: 7 * 86_400_000,
    overwrite: true,
  });
}

async function myTravelerId(app: Ctx, ctx: Context): Promise<number | null> {
  const s = ctx.state.session!;
  if (s.role === 'traveler') return s.id;
  const t = await app.db.traveler.findUnique({ where: { openid: s.openid! }, select: { id: true } });
  return t?.id ?? null;
}

export function travelerRoutes(app: Ctx): Router {
  const r = new Router({ prefix: '/api/traveler' });
  r.use(requireRole(app, ['traveler', 'guest']), json);

  r.post('/requirements', async (ctx) => {
    const parsed = requirementInput.safeParse(pick(ctx.request.body));
    if (!parsed.success) throw validationError(parsed.error, ctx.request.body);
    const input = parsed.data;
    if (departsInPast(app, input.departDate))
      throw new HttpError(400, 'VALIDATION', 'departDate: must not be in the past', 'departDate', { departDate: '出发日期不能早于今天。' });
    // The WeChat identity comes from the session, never from the body. The typed phone is a claim
    // (traveler/identity.ts): it takes nobody's trips; only a number another WeChat user verified is refused.
    const openid = await myOpenid(app, ctx);
    if (await verifiedOwner(app.db, input.traveler.phone, openid)) {
      const msg = '这个手机号已由另一位微信用户验证，请填写你自己的手机号。';
      throw new HttpError(409, 'PHONE_TAKEN', `traveler.phone: ${msg}`, 'traveler.phone', { 'traveler.phone': msg });
    }
    const created = await createRequirement(app, { ...input, traveler: { ...input.traveler, openid } });
    becomeTraveler(app, ctx, created.travelerId);
    ctx.status = 201;
    ctx.body = { id: created.id, code: created.code, status: created.status };
  });

  const sms = createSmsSender(app);

  /** Sends a code to the number (sandbox: shown on this user's sandbox phone). */
  r.post('/phone/code', async (ctx) => {
    const parsed = phoneInput.safeParse(ctx.request.body);
    if (!parsed.success) throw validationError(parsed.error, ctx.request.body);
    const openid = await myOpenid(app, ctx);
    ctx.body = await sendPhoneCode(app, sms, openid, parsed.data.phone);
  });

  /** Proves the number: it becomes this WeChat user's, and the trips ops entered for it join theirs. */
  r.post('/phone/verify', async (ctx) => {
    const parsed = verifyInput.safeParse(ctx.request.body);
    if (!parsed.success) throw validationError(parsed.error, ctx.request.body);
    const openid = await myOpenid(app, ctx);
    const { travelerId } = await verifyPhoneCode(app, openid, parsed.data.phone, parsed.data.code);
    becomeTraveler(app, ctx, travelerId);
    ctx.body = { phone: parsed.data.phone, verified: true, trips: await app.db.requirement.count({ where: { travelerId } }) };
  });

  r.get('/requirements', async (ctx) => {
    const travelerId = await myTravelerId(app, ctx);
    const rows = travelerId
      ? await app.db.requirement.findMany({
          where: { travelerId },
          orderBy: { createdAt: 'desc' },
          take: 100,
          include: { workOrders: { select: { status: true, proposal: { select: { id: true } } } } },
        })
      : [];
    ctx.body = {
      items: rows.map((q) => ({
        id: q.id,
        ...cardOf(q),
        status: q.status,
        plannersWanted: q.plannersWanted,
        planners: q.workOrders.filter((w) => w.status !== 'expired').length,
        // Proposals actually written (a slot closed without one is not a proposal).
        proposals: q.workOrders.filter((w) => w.proposal).length,
        createdAt: q.createdAt,
      })),
    };
  });

  r.get('/requirements/:id', async (ctx) => {
    const id = idParam(ctx.params.id);
    const travelerId = await myTravelerId(app, ctx);
    const q =
      id && travelerId
        ? await app.db.requirement.findUnique({
            where: { id },
            include: {
              workOrders: { orderBy: { grabbedAt: 'asc' }, include: { proposal: true, planner: { include: { supplier: true } } } },
            },
          })
        : null;
    if (!q || q.travelerId !== travelerId) throw new HttpError(404, 'NOT_FOUND', 'requirement: not found among your trips');
    const filled = Number(await app.redis.hget(requirementKeys(q.id).meta, 'filled'));
    ctx.body = {
      id: q.id,
      ...cardOf(q),
      status: q.status,
      notes: q.notes,
      plannersWanted: q.plannersWanted,
      proposalWithinHours: Math.round(app.config.PROPOSAL_DEADLINE / 3600),
      slotsLeft: q.status === 'open' ? Math.max(0, q.plannersWanted - (Number.isFinite(filled) ? filled : 0)) : 0,
      createdAt: q.createdAt,
      // Expired slots are the planner's business, not the traveler's.
      workOrders: q.workOrders
        .filter((w) => w.status !== 'expired')
        .map((w) => ({
          id: w.id,
          status: w.status,
          planner: { name: w.planner.name, tier: w.planner.tier, supplier: w.planner.supplier.name },
          // Once chosen, the traveler can call their planner.
          ...(w.status === 'chosen' ? { contact: { name: w.planner.name, phone: w.planner.phone } } : {}),
          grabbedAt: w.grabbedAt,
          deadlineAt: w.deadlineAt,
          proposal: w.proposal && { itinerary: w.proposal.itinerary, priceFen: w.proposal.priceFen, createdAt: w.proposal.createdAt },
        })),
      deposit: q.status === 'chosen' || q.status === 'paid' ? await depositFor(app, q.id) : null,
    };
  });

  r.post('/requirements/:id/choose', async (ctx) => {
    const travelerId = await myTravelerId(app, ctx);
    const id = idParam(ctx.params.id);
    const body = ctx.request.body as { workOrderId?: unknown } | undefined;
    if (typeof body?.workOrderId !== 'string' || !body.workOrderId)
      throw new HttpError(400, 'VALIDATION', 'workOrderId: is required (the proposal to choose)', 'workOrderId');
    if (!travelerId || !id) throw new HttpError(404, 'NOT_FOUND', 'requirement: not found among your trips');
    await choose(app, travelerId, id, body.workOrderId);
    ctx.body = { id, status: 'chosen', workOrderId: body.workOrderId, deposit: await depositFor(app, id) };
  });

  return r;
}
