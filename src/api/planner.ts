/** Planner API: the pool, grabbing, work orders and proposals, behind a planner session. Routes only: the rules are the engine's and the planner capability's. */
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Ctx } from '../context.js';
import { statusOf } from '../errors.js';
import { acceptOffer, declineOffer, type GrabResult, grab, poolFor, type Rejection, submitProposal } from '../grab/index.js';
import { requireRole, sessionOf } from '../http/auth.js';
import { dbId, idParam, json, MAX_JSON, parse, parseJsonText } from '../http/body.js';
import { answering, asciiJson, cookieOf, isJson, type LeanAnswer, type LeanRoute, readBody } from '../http/lean.js';
import { clientIp } from '../http/server.js';
import { MAX_ID } from '../ids.js';
import { todayFor } from '../ops/index.js';
import { profileOf, requirementFor, workOrderOf, workOrdersOf } from '../planner/index.js';
import { COOKIE } from '../session/index.js';

/** A win PostgreSQL could not record this moment: what the planner is told instead of "won". */
const CONFIRMING_WORDS = '抢到名额了，系统正在确认记录（稍有延迟）。确认后会立即通知你，并显示客户联系方式。';

const grabInput = z.object(
  {
    requirementId: dbId('requirement'),
    channel: z.enum(['h5', 'pc'], { error: 'must be "h5" or "pc"' }).default('h5'),
  },
  { error: 'body must be a JSON object' },
);
const proposalInput = z.object(
  {
    itinerary: z
      .string({ error: 'is required' })
      .trim()
      .min(10, 'must be at least 10 characters')
      .max(20_000, 'must be at most 20000 characters'),
    priceFen: z
      .number({ error: 'must be a number (fen)' })
      .int('must be whole fen')
      .min(100, 'must be at least 100 fen')
      .max(2_000_000_000, 'is too large'),
  },
  { error: 'body must be a JSON object' },
);

/**
 * A grab's body: what the schema takes, checked by hand first (a storm sends thousands a second, and
 * they are almost always right); anything else goes through the schema for its field-by-field 400.
 */
function grabInputOf(body: unknown): { requirementId: number; channel: 'h5' | 'pc' } {
  const b = body as { requirementId?: unknown; channel?: unknown } | null;
  if (b && typeof b === 'object' && !Array.isArray(b)) {
    const { requirementId: id, channel } = b;
    if (
      typeof id === 'number' &&
      Number.isInteger(id) &&
      id >= 1 &&
      id <= MAX_ID &&
      (channel === undefined || channel === 'h5' || channel === 'pc')
    )
      return { requirementId: id, channel: channel ?? 'h5' };
  }
  return parse(grabInput, body);
}

/** A refusal's JSON, written once per code (its words and rule are the catalogue's): a storm's tail is thousands a second. */
const refusals = new Map<string, string>();
const refusalJson = (r: Rejection) => {
  let json = refusals.get(r.code);
  if (json === undefined) refusals.set(r.code, (json = asciiJson({ error: { code: r.code, message: r.message, rule: r.rule } })));
  return json;
};

/** What a planner is told of a grab, and with which status. */
function answerOf(result: GrabResult): LeanAnswer {
  if (!result.ok) return { status: statusOf(result.code), json: refusalJson(result) };
  // Won, not yet recorded: 202, and the outcome comes live and by message when it is.
  if (result.confirming) return { status: 202, body: { ...result, contact: undefined, message: CONFIRMING_WORDS } };
  // A new win and a repeat carry their deadline (a repeat's from its slot's journal entry: grab.ts).
  return { status: result.repeat ? 200 : 201, body: result };
}

/** One grab from a page (not an async function: see grab()); the body's shape is checked first, synchronously. */
function grabOf(app: Ctx, plannerId: number, body: unknown, ip: string): Promise<GrabResult> {
  const { requirementId, channel } = grabInputOf(body);
  return grab(app, { plannerId, requirementId, channel, ip });
}

/**
 * POST /api/planner/grabs in front of Koa (http/lean.ts says why): a planner's session and a JSON
 * body, or Koa answers (401, 403, the parser's refusals) as for every other route.
 */
export function leanGrab(app: Ctx): LeanRoute {
  const https = app.config.https;
  const opts = { https, log: app.log, path: '/api/planner/grabs' };
  return (req, res) => {
    const s = sessionOf(app, cookieOf(req.headers.cookie, COOKIE));
    if (s?.role !== 'planner' || !isJson(req)) return false;
    const ip = clientIp(req, app.config.TRUST_PROXY);
    const { written, failed } = answering(res, opts);
    // The body read, parsed and checked, then the grab, then its answer: each step hands on to the
    // next, one promise each (no readJson or answer promise between them).
    readBody(req, MAX_JSON).then((bytes) => {
      let grabbed: Promise<GrabResult>;
      try {
        grabbed = grabOf(app, s.id, parseJsonText(bytes.toString('utf8')), ip);
      } catch (err) {
        return failed(err); // the body's JSON or shape (a 400)
      }
      grabbed.then((result) => written(answerOf(result)), failed);
    }, failed);
    return true;
  };
}

export function plannerRoutes(app: Ctx): Router {
  const r = new Router({ prefix: '/api/planner' });
  r.use(requireRole(app, 'planner'), json);

  const me = (ctx: Context) => ctx.state.session!.id;

  r.get('/pool', async (ctx) => {
    ctx.body = { items: await poolFor(app, me(ctx)) };
  });

  // Served by the lean route below; here for what it leaves to Koa (a body that is not JSON).
  r.post('/grabs', async (ctx) => {
    const answer = answerOf(await grabOf(app, me(ctx), ctx.request.body, ctx.ip));
    ctx.status = answer.status;
    ctx.body = answer.json !== undefined ? JSON.parse(answer.json) : answer.body;
  });

  /** Today's broadcasts for this planner: a page opened after one was sent still shows it. */
  r.get('/broadcasts', async (ctx) => {
    ctx.body = { items: await todayFor(app, me(ctx)) };
  });

  r.get('/me', async (ctx) => {
    ctx.body = await profileOf(app, me(ctx));
  });

  r.get('/requirements/:id', async (ctx) => {
    ctx.body = await requirementFor(app, me(ctx), idParam(ctx.params.id));
  });

  r.get('/work-orders', async (ctx) => {
    ctx.body = { items: await workOrdersOf(app, me(ctx)) };
  });

  r.get('/work-orders/:id', async (ctx) => {
    ctx.body = await workOrderOf(app, me(ctx), ctx.params.id);
  });

  /** A dispatched requirement: take it (it becomes an ordinary work order) or give it back. */
  r.post('/work-orders/:id/accept', async (ctx) => {
    await acceptOffer(app, me(ctx), ctx.params.id);
    ctx.body = await workOrderOf(app, me(ctx), ctx.params.id);
  });

  r.post('/work-orders/:id/decline', async (ctx) => {
    await declineOffer(app, ctx.params.id, 'declined', me(ctx));
    ctx.body = await workOrderOf(app, me(ctx), ctx.params.id);
  });

  r.post('/work-orders/:id/proposal', async (ctx) => {
    ctx.body = await submitProposal(app, me(ctx), ctx.params.id, parse(proposalInput, ctx.request.body));
    ctx.status = 201;
  });

  return r;
}
