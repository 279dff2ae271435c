/**
 * The official account's callback (CONTRACT: GET/POST /wechat/callback). Protocol only — verify,
 * decrypt, parse, deduplicate, answer in time — then a plain message goes to the handler and its
 * return value becomes the passive reply (the co-wechat shape). See WeChat's "接入指南",
 * "被动回复用户消息" and "消息加解密说明".
 */
import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Ctx } from '../context.js';
import { WechatCrypto, sameSignature, sign } from './crypto.js';
import { MalformedXml, encryptedReply, parseXml, textReply, type WechatXml } from './xml.js';
import { HELP, handleText } from './commands.js';
import { recordDelivery } from '../notify/notifier.js';

const MAX_BODY = 64 * 1024; // WeChat's messages are a few KB; anything larger is not from WeChat
// WeChat waits 5 s, then retries (3 tries in all): answer "success" before that (WECHAT_REPLY_WITHIN_MS)
// and send the reply as a customer-service message when it is ready.
const DEDUPE_TTL_SEC = 60;
const PENDING = 'pending';

class Refused extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function readBody(ctx: Context): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Refused(413, 'body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function q(ctx: Context, name: string): string {
  const v = ctx.query[name];
  return typeof v === 'string' ? v : '';
}

/** WeChat retries with the same MsgId (events: sender + CreateTime + event). */
function dedupeKey(m: WechatXml): string {
  return m.MsgId ? `wx:msg:${m.MsgId}` : `wx:evt:${m.FromUserName}:${m.CreateTime}:${m.Event ?? ''}`;
}

/**
 * Processes a delivery once; a retry gets the first delivery's reply (or "success" if it is not
 * ready). A reply later than the window goes out as a customer-service message instead.
 */
async function once(app: Ctx, key: string, openid: string, work: () => Promise<string | null>): Promise<string | null> {
  const within = app.config.WECHAT_REPLY_WITHIN_MS;
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
          await app.wechat.sendText(openid, reply).catch((err) => app.log.warn({ err, openid }, 'late reply not delivered by customer-service message'));
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
  if (m.MsgType === 'text') return handleText(app, m.FromUserName, m.Content ?? '');
  if (m.MsgType !== 'event') return `暂不支持这类消息。\n${HELP}`;
  switch (m.Event) {
    case 'subscribe':
      await app.db.planner.updateMany({ where: { openid: m.FromUserName }, data: { unreachableAt: null } });
      return `欢迎关注定制游抢单!定制师请回复「绑定 <绑定码>」绑定账号。\n${HELP}`;
    case 'unsubscribe': // template messages to them would fail: stop trying
      await app.db.planner.updateMany({ where: { openid: m.FromUserName }, data: { unreachableAt: new Date(app.now()) } });
      return null;
    case 'CLICK':
      return MENU[m.EventKey ?? ''] ? handleText(app, m.FromUserName, MENU[m.EventKey!]) : null;
    case 'TEMPLATESENDJOBFINISH':
      await recordDelivery(app, m.MsgID, m.Status ?? '');
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

  r.get('/wechat/callback', (ctx) => {
    if (!verified(ctx)) {
      ctx.status = 401;
      ctx.body = 'invalid signature';
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
      let message = parseXml(body);
      if (crypto) {
        const encrypt = message.Encrypt;
        if (!encrypt) throw new Refused(400, 'safe mode: no Encrypt element');
        if (!sameSignature(q(ctx, 'msg_signature'), sign(token, q(ctx, 'timestamp'), q(ctx, 'nonce'), encrypt))) throw new Refused(401, 'invalid msg_signature');
        try {
          message = parseXml(crypto.decrypt(encrypt));
        } catch (err) {
          throw err instanceof MalformedXml ? err : new Refused(400, 'cannot decrypt');
        }
      }
      if (!message.FromUserName || !message.ToUserName || !message.MsgType) throw new Refused(400, 'not a WeChat message');

      const content = await once(app, dedupeKey(message), message.FromUserName, () => handle(app, message));
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
