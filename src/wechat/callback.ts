/**
 * The official account's callback (CONTRACT: GET/POST /wechat/callback). Protocol only — verify,
 * decrypt, parse, deduplicate, answer in time — then a plain message goes to the handler and its
 * return value becomes the passive reply (the co-wechat shape). See WeChat's "接入指南",
 * "被动回复用户消息" and "消息加解密说明".
 */
import { createHash, randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Ctx } from '../context.js';
import { WechatCrypto, sameSignature, sign } from './crypto.js';
import { MalformedXml, encryptedReply, parseXml, textReply, type WechatXml } from './xml.js';
import { HELP, handleText } from './commands.js';
import { recordDelivery } from '../notify/index.js';
import { sinceArrival } from '../http/arrival.js';
import { wechatKeys } from '../infra/keys.js';
import { bindByScene } from './qr.js';
import { recordMassResult } from './mass.js';
import { lateReply, openWindow } from './window.js';
import { forgetUser } from './unfollow.js';

const MAX_BODY = 64 * 1024; // WeChat's messages are a few KB; anything larger is not from WeChat
// WeChat waits 5 s, then retries (3 tries in all): answer "success" before that (WECHAT_REPLY_WITHIN_MS)
// and send the reply as a customer-service message when it is ready.
// A message is remembered well past both WeChat's retry span (~15 s) and the timestamp window below,
// so a captured request replayed while its signature is still accepted is never processed twice.
const DEDUPE_TTL_SEC = 3600;
const PENDING = 'pending';
/** Signed timestamps further than this from our clock are refused (a captured signature expires). */
export const SIGNATURE_WINDOW_SEC = 300;

class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The body, up to MAX_BODY. Past it the rest is left for the error handler to discard (the
 *  stream is not destroyed: that would reset the connection before the 413 is read). */
function readBody(ctx: Context): Promise<string> {
  const declared = Number(ctx.get('content-length'));
  if (declared > MAX_BODY) return Promise.reject(new Refused(413, 'body too large'));
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const req = ctx.req;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) return void chunks.push(chunk);
      cleanup();
      fail(new Refused(413, 'body too large'));
    };
    const onEnd = () => {
      cleanup();
      ok(Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (err: Error) => {
      cleanup();
      fail(err);
    };
    const cleanup = () => {
      req.off('data', onData).off('end', onEnd).off('error', onError);
      req.pause();
    };
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

function q(ctx: Context, name: string): string {
  const v = ctx.query[name];
  return typeof v === 'string' ? v : '';
}

/** WeChat retries with the same MsgId (events: sender + CreateTime + event). */
function dedupeKey(m: WechatXml): string {
  return m.MsgId
    ? wechatKeys.message(m.MsgId)
    : wechatKeys.event(m.FromUserName, m.CreateTime, `${m.Event ?? ''}:${m.EventKey ?? ''}:${m.MsgID ?? ''}`);
}

/**
 * Plaintext mode's signature covers token+timestamp+nonce, not the body: one signed query string
 * seen in a log would otherwise carry any body forever. So the timestamp must be recent, and each
 * (timestamp, nonce) is remembered for the window with the hash of the body it came with: the same
 * body again is WeChat's retry (deduplicated by MsgId later), another body is a replay.
 */
async function freshSignature(app: Ctx, timestamp: string, nonce: string, body: string): Promise<string | null> {
  const ts = Number(timestamp);
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(app.now() / 1000 - ts) > SIGNATURE_WINDOW_SEC)
    return 'timestamp: more than 5 minutes from now';
  if (!nonce || nonce.length > 64) return 'nonce: missing or too long';
  const digest = createHash('sha1').update(body).digest('hex');
  const key = wechatKeys.nonce(timestamp, nonce);
  const first = await app.redis.set(key, digest, 'EX', SIGNATURE_WINDOW_SEC * 2 + 60, 'NX');
  if (first === 'OK') return null;
  return (await app.redis.get(key)) === digest ? null : 'signature already used with another message';
}

/**
 * Processes a delivery once; a retry gets the first delivery's reply (or "success" if it is not
 * ready). A reply later than the window (counted from the request's arrival) goes out as a
 * customer-service message instead, or a template message when WeChat's window for those is closed.
 */
async function once(app: Ctx, key: string, openid: string, elapsedMs: number, work: () => Promise<string | null>): Promise<string | null> {
  const within = Math.max(0, app.config.WECHAT_REPLY_WITHIN_MS - elapsedMs);
  if ((await app.redis.set(key, PENDING, 'EX', DEDUPE_TTL_SEC, 'NX')) === 'OK') {
    // Whichever comes first, decided synchronously: the reply (answered in time) or the deadline
    // (answered "success"; the reply then goes out as a customer-service message). Never both, never neither.
    let state: 'waiting' | 'in-time' | 'late' = 'waiting';
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<null>((ok) => {
      timer = setTimeout(() => {
        if (state !== 'waiting') return;
        state = 'late';
        ok(null);
      }, within);
    });
    const done = work().then(
      async (reply) => {
        if (state === 'waiting') state = 'in-time';
        const late = state === 'late';
        await app.redis.set(key, JSON.stringify({ reply: late ? null : reply }), 'EX', DEDUPE_TTL_SEC);
        if (late && reply) {
          await lateReply(app, openid, reply).catch((err) => app.log.warn({ err, openid }, 'late reply not delivered'));
        }
        return late ? null : reply;
      },
      async (err) => {
        await app.redis.del(key); // let WeChat's retry try again (handlers are idempotent)
        throw err;
      },
    );
    try {
      return await Promise.race([done, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
  const until = Date.now() + within;
  while (Date.now() < until) {
    const v = await app.redis.get(key);
    if (v && v !== PENDING) return (JSON.parse(v) as { reply: string | null }).reply;
    if (!v) return null;
    await new Promise((r) => setTimeout(r, 50));
  }
  return null;
}

/** Menu buttons (EventKey of CLICK) do what the matching text command does. */
const MENU: Record<string, string> = { POOL: '池', ORDERS: '单', HELP: '帮助' };

async function handle(app: Ctx, m: WechatXml): Promise<string | null> {
  // The customer-service window a late reply may use: not waited for (the reply path stays one round
  // trip shorter); its commands go out first on the connection, so a later look at it sees them.
  void openWindow(app, m).catch((err: Error) => app.log.warn({ err: err.message }, 'customer-service window not recorded'));
  if (m.MsgType === 'text') return handleText(app, m.FromUserName, m.Content ?? '');
  if (m.MsgType !== 'event') return `暂不支持这类消息。\n${HELP}`;
  switch (m.Event) {
    case 'subscribe': {
      await app.db.planner.updateMany({ where: { openid: m.FromUserName }, data: { unreachableAt: null, unreachableReason: null } });
      // Followed by scanning a parameterised code: EventKey is qrscene_<scene>.
      const scene = m.EventKey?.startsWith('qrscene_') ? m.EventKey.slice('qrscene_'.length) : '';
      const bound = scene ? await bindByScene(app, m.FromUserName, scene) : null;
      return bound ? `欢迎关注定制游抢单！\n${bound}` : `欢迎关注定制游抢单！定制师请回复「绑定 <绑定码>」绑定账号。\n${HELP}`;
    }
    case 'SCAN': // a follower scanned a parameterised code: EventKey is the scene
      return bindByScene(app, m.FromUserName, m.EventKey ?? '');
    case 'unsubscribe': // nothing more is sent to them; what the business does not need is dropped (unfollow.ts)
      await forgetUser(app, m.FromUserName);
      return null;
    case 'VIEW': // a menu link: WeChat opens the page itself
      return null;
    case 'CLICK':
      return MENU[m.EventKey ?? ''] ? handleText(app, m.FromUserName, MENU[m.EventKey!]) : null;
    case 'TEMPLATESENDJOBFINISH':
      await recordDelivery(app, m.MsgID, m.Status ?? '');
      return null;
    case 'MASSSENDJOBFINISH':
      await recordMassResult(app, m);
      return null;
    default:
      return null;
  }
}

export function wechatRoutes(app: Ctx): Router {
  const { token, appid, aesKey } = app.config.wechat;
  const crypto = aesKey ? new WechatCrypto(aesKey, appid) : null;
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

  r.post('/wechat/callback', async (ctx) => {
    const ip = ctx.ip; // before reading: an over-long upload may leave no socket to ask later
    try {
      if (!verified(ctx)) throw new Refused(401, 'invalid signature');
      const body = await readBody(ctx);
      const stale = await freshSignature(app, q(ctx, 'timestamp'), q(ctx, 'nonce'), body);
      if (stale) throw new Refused(401, stale);
      let message = parseXml(body);
      if (crypto) {
        const encrypt = message.Encrypt;
        if (!encrypt) throw new Refused(400, 'safe mode: no Encrypt element');
        if (!sameSignature(q(ctx, 'msg_signature'), sign(token, q(ctx, 'timestamp'), q(ctx, 'nonce'), encrypt)))
          throw new Refused(401, 'invalid msg_signature');
        try {
          message = parseXml(crypto.decrypt(encrypt));
        } catch (err) {
          throw err instanceof MalformedXml ? err : new Refused(400, 'cannot decrypt');
        }
      }
      if (!message.FromUserName || !message.ToUserName || !message.MsgType) throw new Refused(400, 'not a WeChat message');

      const content = await once(app, dedupeKey(message), message.FromUserName, sinceArrival(ctx.req), () => handle(app, message));
      // How long after arrival the answer left, by the product's clock (what WeChat's 5 s is about).
      ctx.set('server-timing', `answer;dur=${sinceArrival(ctx.req).toFixed(1)}`);
      ctx.type = 'application/xml';
      if (content === null) {
        ctx.type = 'text/plain';
        ctx.body = 'success';
        return;
      }
      const reply = textReply(message.FromUserName, message.ToUserName, content, Math.floor(app.now() / 1000));
      if (!crypto) {
        ctx.body = reply;
        return;
      }
      const timestamp = String(Math.floor(app.now() / 1000));
      const nonce = randomBytes(8).toString('hex');
      const encrypt = crypto.encrypt(reply);
      ctx.body = encryptedReply(encrypt, sign(token, timestamp, nonce, encrypt), timestamp, nonce);
    } catch (err) {
      if (err instanceof Refused || err instanceof MalformedXml) {
        if (!ctx.req.complete) {
          ctx.set('connection', 'close'); // the rest of the body is discarded, never read as a request
          ctx.req.resume();
        }
        ctx.status = err instanceof Refused ? err.status : 400;
        ctx.type = 'text/plain';
        ctx.body = err.message; // never echoes the body or any secret
        app.log.warn({ status: ctx.status, reason: err.message, ip }, 'wechat callback refused');
        return;
      }
      throw err;
    }
  });
  return r;
}
