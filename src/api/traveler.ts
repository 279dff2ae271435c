/**
 * Traveler API, behind a WeChat session: submit a trip (a guest becomes a traveler by doing so),
 * prove a phone by SMS, list mine, read one with its proposals, choose one. Errors name every
 * field a form must mark. Routes only: the rules are the traveler capability's (src/traveler).
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Ctx } from '../context.js';
import { refusal } from '../errors.js';
import { requireRole } from '../http/auth.js';
import { idParam, json, parse } from '../http/body.js';
import { requirementInput } from '../requirements/index.js';
import { COOKIE, issueSession } from '../session/index.js';
import { createSmsSender } from '../sms/index.js';
import {
  chooseProposal,
  confirmPayment,
  eraseTraveler,
  openidOf,
  personalData,
  policyOf,
  sendPhoneCode,
  submitTrip,
  travelerIdOf,
  tripOf,
  tripsOf,
  verifyPhoneCode,
} from '../traveler/index.js';

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
const deleteInput = z.object({ confirm: z.literal('注销', { error: '请输入“注销”两个字确认' }) }, { error: 'body must be a JSON object' });
const verifyInput = phoneInput.extend({ code: z.string({ error: 'is required' }).regex(/^\d{6}$/, '验证码是 6 位数字') });

/** A guest who now has a traveler row gets a traveler session. */
function becomeTraveler(app: Ctx, ctx: Context, travelerId: number) {
  if (ctx.state.session!.role !== 'guest') return;
  issueSession(ctx, app.sessionSecret, { role: 'traveler', id: travelerId }, { now: app.now(), secure: app.config.https });
}

export function travelerRoutes(app: Ctx): Router {
  const r = new Router({ prefix: '/api/traveler' });
  r.use(requireRole(app, ['traveler', 'guest']), json);

  const me = (ctx: Context) => ctx.state.session!;

  r.post('/requirements', async (ctx) => {
    const input = parse(requirementInput, pick(ctx.request.body));
    const created = await submitTrip(app, await openidOf(app, me(ctx)), input);
    becomeTraveler(app, ctx, created.travelerId);
    ctx.status = 201;
    ctx.body = { id: created.id, code: created.code, status: created.status };
  });

  const sms = createSmsSender(app);

  /** Sends a code to the number (sandbox: shown on this user's sandbox phone). */
  r.post('/phone/code', async (ctx) => {
    const { phone } = parse(phoneInput, ctx.request.body);
    ctx.body = await sendPhoneCode(app, sms, await openidOf(app, me(ctx)), phone);
  });

  /** Proves the number: it becomes this WeChat user's, and the trips ops entered for it join theirs. */
  r.post('/phone/verify', async (ctx) => {
    const { phone, code } = parse(verifyInput, ctx.request.body);
    const { travelerId, trips } = await verifyPhoneCode(app, await openidOf(app, me(ctx)), phone, code);
    becomeTraveler(app, ctx, travelerId);
    ctx.body = { phone, verified: true, trips };
  });

  r.get('/requirements', async (ctx) => {
    ctx.body = { items: await tripsOf(app, await travelerIdOf(app, me(ctx))) };
  });

  r.get('/requirements/:id', async (ctx) => {
    ctx.body = await tripOf(app, await travelerIdOf(app, me(ctx)), idParam(ctx.params.id));
  });

  r.post('/requirements/:id/choose', async (ctx) => {
    const body = ctx.request.body as { workOrderId?: unknown } | undefined;
    if (typeof body?.workOrderId !== 'string' || !body.workOrderId)
      throw refusal('VALIDATION', 'workOrderId: is required (the proposal to choose)', 'workOrderId');
    ctx.body = await chooseProposal(app, await travelerIdOf(app, me(ctx)), idParam(ctx.params.id), body.workOrderId);
  });

  /** The page is back from the pay sheet with "ok": the server asks WeChat Pay now (not proof until it says paid). */
  r.post('/requirements/:id/deposit/confirm', async (ctx) => {
    ctx.body = await confirmPayment(app, await travelerIdOf(app, me(ctx)), idParam(ctx.params.id));
  });

  /** 我的数据: everything kept about this account, and the rules it is kept under (also the download). */
  r.get('/me/data', async (ctx) => {
    const id = await travelerIdOf(app, me(ctx));
    ctx.set('cache-control', 'no-store');
    if (!id) {
      ctx.body = { traveler: null, trips: [], messagesToYou: 0, policy: policyOf(app) };
      return;
    }
    const data = await personalData(app, id);
    if (ctx.query.download === '1') ctx.attachment(`my-data-${data.generatedAt.toISOString().slice(0, 10)}.json`);
    ctx.body = data;
  });

  /** Deletes the account: open trips closed, personal fields erased, records kept without them; the session ends. */
  r.post('/me/delete', async (ctx) => {
    parse(deleteInput, ctx.request.body);
    const id = await travelerIdOf(app, me(ctx));
    const result = id ? await eraseTraveler(app, id) : { erased: false, closed: [], kept: 0 };
    ctx.cookies.set(COOKIE, null);
    ctx.body = result;
  });

  return r;
}
