/**
 * The official account's callback (CONTRACT: GET/POST /wechat/callback). Protocol only — verify,
 * decrypt, parse, deduplicate, answer in time — then a plain message goes to the handler and its
 * return value becomes the passive reply (the co-wechat shape). See WeChat's "接入指南",
 * "被动回复用户消息" and "消息加解密说明".
 */
import { hash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Ctx } from '../context.js';
import { arrivalIndexes } from '../grab/index.js';
import { sinceArrival } from '../http/arrival.js';
import { type LeanRoute, readBody, send, sendJson } from '../http/lean.js';
import { clientIp } from '../http/server.js';
import { wechatKeys } from '../infra/keys.js';
import { sameSignature, sign, WechatCrypto } from './crypto.js';
import { claim, DEDUPE_TTL_SEC, dedupeKey, once, PENDING, replyRecords } from './delivery.js';
import { type Asker, HELP, handleText, lookupsFor, lookupsNeeded, type Needs, plannerCommand } from './texts.js';
import { opensWindow, openWindow, WINDOW_TTL_MS } from './window.js';
import { encryptedReply, MalformedXml, parseXml, parseXmlBody, textReply, type WechatXml } from './xml.js';

const MAX_BODY = 64 * 1024; // WeChat's messages are a few KB; anything larger is not from WeChat
/** Signed timestamps further than this from our clock are refused (a captured signature expires). */
export const SIGNATURE_WINDOW_SEC = 300;

/** A delivery the callback refuses (signature, size, shape): answered in plain text, as WeChat's protocol has it. */
class Refused extends Error {
  override name = 'Refused';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function q(ctx: Context, name: string): string {
  const v = ctx.query[name];
  return typeof v === 'string' ? v : '';
}

/**
 * Plaintext mode's signature covers token+timestamp+nonce, not the body: one signed query string
 * seen in a log would otherwise carry any body forever. So the timestamp must be recent, and each
 * (timestamp, nonce) is remembered for the window with the hash of the body it came with: the same
 * body again is WeChat's retry (deduplicated by MsgId later), another body is a replay.
 */
function signatureProblem(app: Ctx, timestamp: string, nonce: string): string | null {
  const ts = Number(timestamp);
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(app.now() / 1000 - ts) > SIGNATURE_WINDOW_SEC)
    return 'timestamp: more than 5 minutes from now';
  if (!nonce || nonce.length > 64) return 'nonce: missing or too long';
  return null;
}

const NONCE_TTL_SEC = SIGNATURE_WINDOW_SEC * 2 + 60;
const REPLAYED = 'signature already used with another message';

async function freshNonce(app: Ctx, key: string, digest: string): Promise<string | null> {
  const first = await app.redis.set(key, digest, 'EX', NONCE_TTL_SEC, 'NX');
  if (first === 'OK') return null;
  return (await app.redis.get(key)) === digest ? null : REPLAYED;
}

const sha1 = (data: string | Buffer) => hash('sha1', data, 'hex');

/** The whole check for a signed request that is not a message (the verification GET). */
async function freshSignature(app: Ctx, timestamp: string, nonce: string, body: string): Promise<string | null> {
  return signatureProblem(app, timestamp, nonce) ?? freshNonce(app, wechatKeys.nonce(timestamp, nonce), sha1(body));
}

interface Arrival {
  /** Why the signature is refused (stale, or replayed with another body), else null. */
  stale: string | null;
  claimed: boolean;
  /** A text's lookups (who asks, which requirement), when it needs them: the answer itself when Redis had both. */
  asker: Asker | Promise<Asker> | null;
  /** What the text asked for, when it is a planner command (lookupsNeeded). */
  needs?: Needs | null;
}

/** Started now, its failure (a miss gone on to PostgreSQL) is the handler's to report, if the handler runs. */
const started = (asker: Asker | Promise<Asker> | null) => {
  if (asker instanceof Promise) asker.catch(() => {});
  return asker;
};

/**
 * A message's first step, one round trip: the replay guard, the claim on this delivery (WeChat
 * retries with the same one), the customer-service window it opens and a text's read-only lookups.
 * One script on one server (arrive-5.lua); on a cluster, whose keys lie in several slots, the same
 * commands side by side, and a claim made for a refused replay is given back. Not an async function
 * on one server (delivery.ts once() says why).
 */
function arrive(app: Ctx, m: WechatXml, key: string, timestamp: string, nonce: string, body: Buffer): Promise<Arrival> {
  const problem = signatureProblem(app, timestamp, nonce);
  if (problem) return Promise.resolve({ stale: problem, claimed: false, asker: null });
  const digest = sha1(body);
  const nonceKey = wechatKeys.nonce(timestamp, nonce);
  const needs = m.MsgType === 'text' ? lookupsNeeded(m.Content ?? '') : null;
  if (app.redis.isCluster) return arriveOnCluster(app, m, key, nonceKey, digest, needs);
  return app.lua
    .arrive(
      { nonce: nonceKey, claim: key, window: wechatKeys.csWindow(m.FromUserName), ...arrivalIndexes },
      {
        digest,
        nonceTtl: NONCE_TTL_SEC,
        claimTtl: DEDUPE_TTL_SEC,
        pending: PENDING,
        opens: opensWindow(m) ?? '',
        now: app.now(),
        windowTtl: WINDOW_TTL_MS,
        openid: needs ? m.FromUserName : '',
        code: needs?.code ?? '',
      },
    )
    .then(([fresh, claimed, plannerId, requirementId]) => {
      if (!fresh) return { stale: REPLAYED, claimed: false, asker: null };
      // A retry (not claimed) never runs the handler: nothing to look up, nothing left unhandled.
      const asker = claimed && needs ? started(lookupsFor(app, m.FromUserName, needs, { plannerId, requirementId })) : null;
      return { stale: null, claimed: claimed === 1, asker, needs };
    });
}

async function arriveOnCluster(
  app: Ctx,
  m: WechatXml,
  key: string,
  nonceKey: string,
  digest: string,
  needs: Needs | null,
): Promise<Arrival> {
  const asker = needs ? started(lookupsFor(app, m.FromUserName, needs)) : null;
  const [stale, claimed] = await Promise.all([freshNonce(app, nonceKey, digest), claim(app, key)]);
  if (stale) {
    if (claimed) await app.redis.del(key);
    return { stale, claimed: false, asker: null };
  }
  // The window a late reply may use: not waited for (the reply path stays one round trip shorter);
  // its commands go out first on the connection, so a later look at it sees them.
  if (claimed) void openWindow(app, m).catch((err: Error) => app.log.warn({ err: err.message }, 'customer-service window not recorded'));
  return { stale: null, claimed, asker, needs };
}

/** A fresh, claimed delivery (its window already opened by `arrive`): what it does, and the passive reply. */
function handle(app: Ctx, m: WechatXml, arrived: Arrival): Promise<string | null> {
  if (m.MsgType !== 'text') return handleEvent(app, m);
  // A planner command arrive() classified and started the lookups of: not classified again.
  if (arrived.needs && arrived.asker) return plannerCommand(app, m.Content ?? '', arrived.needs, arrived.asker);
  return handleText(app, m.FromUserName, m.Content ?? '', arrived.asker);
}

async function handleEvent(app: Ctx, m: WechatXml): Promise<string | null> {
  if (m.MsgType !== 'event') return `暂不支持这类消息。\n${HELP}`;
  const handler = app.wechatEvents.handlerOf(m.Event ?? '');
  return handler ? handler(app, m) : null;
}

interface Answer {
  status: number;
  type: string;
  body: string;
  headers?: Record<string, string>;
}

/**
 * POST /wechat/callback, whatever serves it (Koa or the lean route): verify, read, deduplicate,
 * handle, and the passive reply (or "success"), plain or encrypted. A refusal is a short text that
 * never echoes the body or a secret; the unread rest of a refused body is discarded with the connection.
 */
function callbackAnswerer(app: Ctx) {
  const { token, appid, aesKey } = app.config.wechat;
  const records = replyRecords(app);
  const crypto = aesKey ? new WechatCrypto(aesKey, appid) : null;
  return async (req: IncomingMessage, q: (name: string) => string, ip: string): Promise<Answer> => {
    try {
      if (!sameSignature(q('signature'), sign(token, q('timestamp'), q('nonce')))) throw new Refused(401, 'invalid signature');
      const body = await readBody(req, MAX_BODY).catch((err: Error & { status?: number }) => {
        throw err.status === 413 ? new Refused(413, 'body too large') : err;
      });
      let message = parseXmlBody(body);
      if (crypto) {
        const encrypt = message.Encrypt;
        if (!encrypt) throw new Refused(400, 'safe mode: no Encrypt element');
        if (!sameSignature(q('msg_signature'), sign(token, q('timestamp'), q('nonce'), encrypt)))
          throw new Refused(401, 'invalid msg_signature');
        try {
          message = parseXml(crypto.decrypt(encrypt));
        } catch (err) {
          throw err instanceof MalformedXml ? err : new Refused(400, 'cannot decrypt');
        }
      }
      if (!message.FromUserName || !message.ToUserName || !message.MsgType) throw new Refused(400, 'not a WeChat message');

      const key = dedupeKey(message);
      const arrived = await arrive(app, message, key, q('timestamp'), q('nonce'), body);
      if (arrived.stale) throw new Refused(401, arrived.stale);
      const content = await once(app, records, key, arrived.claimed, message.FromUserName, sinceArrival(req), () =>
        handle(app, message, arrived),
      );
      // How long after arrival the answer left, by the product's clock (what WeChat's 5 s is about).
      const headers = { 'server-timing': `answer;dur=${sinceArrival(req).toFixed(1)}` };
      if (content === null) return { status: 200, type: 'text/plain; charset=utf-8', body: 'success', headers };
      const reply = textReply(message.FromUserName, message.ToUserName, content, Math.floor(app.now() / 1000));
      if (!crypto) return { status: 200, type: 'application/xml; charset=utf-8', body: reply, headers };
      const timestamp = String(Math.floor(app.now() / 1000));
      const nonce = randomBytes(8).toString('hex');
      const encrypt = crypto.encrypt(reply);
      return {
        status: 200,
        type: 'application/xml; charset=utf-8',
        body: encryptedReply(encrypt, sign(token, timestamp, nonce, encrypt), timestamp, nonce),
        headers,
      };
    } catch (err) {
      if (!(err instanceof Refused || err instanceof MalformedXml)) throw err;
      const status = err instanceof Refused ? err.status : 400;
      app.log.warn({ status, reason: err.message, ip }, 'wechat callback refused');
      const headers: Record<string, string> = {};
      if (!req.complete) {
        headers.connection = 'close'; // the rest of the body is discarded, never read as a request
        req.resume();
      }
      return { status, type: 'text/plain; charset=utf-8', body: err.message, headers };
    }
  };
}

/** POST /wechat/callback in front of Koa (http/lean.ts says why): WeChat's storm of replies. */
export function leanCallback(app: Ctx): LeanRoute {
  const answer = callbackAnswerer(app);
  const https = app.config.https;
  return (req, res, query) => {
    const q = (name: string) => query.get(name) ?? '';
    const ip = clientIp(req, app.config.TRUST_PROXY); // before reading: an over-long upload may leave no socket to ask later
    answer(req, q, ip).then(
      (a) => {
        if (!res.destroyed) send(res, https, a.status, a.type, a.body, a.headers);
      },
      (err: unknown) => {
        app.log.error({ err, path: '/wechat/callback' }, 'unhandled error');
        if (!res.headersSent && !res.destroyed) sendJson(res, https, 500, { error: { code: 'INTERNAL', message: 'internal error' } });
      },
    );
    return true;
  };
}

export function wechatRoutes(app: Ctx): Router {
  const { token } = app.config.wechat;
  const answer = callbackAnswerer(app);
  const r = new Router();

  const verified = (ctx: Context) => sameSignature(q(ctx, 'signature'), sign(token, q(ctx, 'timestamp'), q(ctx, 'nonce')));

  r.get('/wechat/callback', async (ctx) => {
    // The verification URL's query is a valid signature too: it is spent here, so it cannot carry a POST.
    const refused = !verified(ctx)
      ? 'invalid signature'
      : await freshSignature(app, q(ctx, 'timestamp'), q(ctx, 'nonce'), `GET ${q(ctx, 'echostr')}`);
    if (refused) {
      ctx.status = 401;
      ctx.type = 'text/plain';
      ctx.body = refused;
      app.log.warn({ reason: refused, ip: ctx.ip }, 'wechat verification refused');
      return;
    }
    ctx.type = 'text/plain';
    ctx.body = q(ctx, 'echostr');
  });

  // Served by the lean route (leanCallback); here for completeness of the route table.
  r.post('/wechat/callback', async (ctx) => {
    const a = await answer(ctx.req, (name) => q(ctx, name), ctx.ip);
    ctx.status = a.status;
    ctx.type = a.type;
    ctx.body = a.body;
    if (a.headers) ctx.set(a.headers);
  });
  return r;
}
