/**
 * What every part of the local WeChat shares: its keys, WeChat's error answer, the access-token check,
 * the recipients' checks and faults, and the events it posts back to the callback, signed as WeChat does.
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type { Ctx } from '../../context.js';
import { sandboxKeys } from '../../infra/keys.js';
import { cdata, sign } from '../../wechat/index.js';

export const K = sandboxKeys;
export const TOKEN_TTL_SEC = 7200;

export interface Faults {
  /** Every token issued so far answers 42001 (expired) from now on. */
  expireTokens?: boolean;
  /** The next N sends answer 45009 (frequency limit). */
  frequencyLimit?: number;
  /** Milliseconds added to every API answer. */
  slowMs?: number;
}

export interface SandboxUser {
  openid: string;
  nickname: string;
  subscribed: boolean;
}

export function err(ctx: Context, errcode: number, errmsg: string) {
  ctx.body = { errcode, errmsg };
}

export type Kit = ReturnType<typeof kitOf>;

export function kitOf(app: Ctx) {
  const { appid } = app.config.wechat;
  /** The token in the query, checked as WeChat does: 40001 unknown, 42001 expired. */
  async function tokenOk(ctx: Context): Promise<boolean> {
    const t = String(ctx.query.access_token ?? '');
    const v = t ? await app.redis.get(K.token(t)) : null;
    if (v === 'ok') return true;
    if (v === 'expired') err(ctx, 42001, 'access_token expired');
    else err(ctx, 40001, 'invalid credential, access_token is invalid or not latest');
    return false;
  }

  async function user(openid: string): Promise<SandboxUser | null> {
    const raw = await app.redis.hget(K.users, openid);
    return raw ? (JSON.parse(raw) as SandboxUser) : null;
  }

  /** The 45009 fault: answers it (and counts one down) while sends are left to refuse. */
  async function frequencyLimited(ctx: Context): Promise<boolean> {
    // The read skips the write in the usual case; the decrement alone decides under concurrency.
    if (!(Number(await app.redis.hget(K.faults, 'frequencyLimit')) > 0)) return false;
    if ((await app.redis.hincrby(K.faults, 'frequencyLimit', -1)) < 0) return false;
    err(ctx, 45009, 'reach max api daily quota limit');
    return true;
  }

  /** Frequency-limit fault and recipient checks shared by template and custom sends. */
  async function deliverable(ctx: Context, openid: string): Promise<boolean> {
    if (await frequencyLimited(ctx)) return false;
    // Anyone the product writes to is a follower unless registered otherwise (POST /sandbox/users):
    // seed data and tests need no set-up, and "unsubscribed" or "invalid" are explicit.
    const u = (await user(openid)) ?? { openid, nickname: openid, subscribed: true };
    if (openid.startsWith('invalid')) {
      err(ctx, 40003, 'invalid openid');
      return false;
    }
    if (!u.subscribed) {
      err(ctx, 43004, 'require subscribe');
      return false;
    }
    return true;
  }

  async function issueToken(): Promise<string> {
    await app.redis.incr(K.tokensIssued);
    const token = randomBytes(24).toString('base64url');
    await app.redis.set(K.token(token), 'ok', 'EX', TOKEN_TTL_SEC);
    return token;
  }
  return { appid, tokenOk, user, frequencyLimited, deliverable, issueToken };
}

/** An event from WeChat's own account (gh_sandbox), posted to the callback signed like WeChat (plaintext mode). */
export async function reportEvent(app: Ctx, origin: string, event: string, fields: Record<string, string | number>) {
  if (app.config.wechat.aesKey) return; // safe-mode reports are not simulated
  const { token } = app.config.wechat;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(6).toString('hex');
  const extra = Object.entries(fields)
    .map(([k, v]) => `<${k}>${typeof v === 'number' ? v : cdata(v)}</${k}>`)
    .join('');
  const body = `<xml><ToUserName>${cdata('gh_sandbox')}</ToUserName><FromUserName>${cdata('sandbox-system')}</FromUserName><CreateTime>${timestamp}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event>${cdata(event)}</Event>${extra}</xml>`;
  const q = new URLSearchParams({ timestamp, nonce, signature: sign(token, timestamp, nonce) });
  await fetch(`${origin}/wechat/callback?${q}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
}

/** TEMPLATESENDJOBFINISH, posted to the callback signed like WeChat (plaintext mode). */
export async function reportDelivery(app: Ctx, origin: string, openid: string, msgid: string) {
  const { token } = app.config.wechat;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(6).toString('hex');
  const body = `<xml><ToUserName>${cdata('gh_sandbox')}</ToUserName><FromUserName>${cdata(openid)}</FromUserName><CreateTime>${timestamp}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event><MsgID>${msgid}</MsgID><Status><![CDATA[success]]></Status></xml>`;
  const q = new URLSearchParams({ timestamp, nonce, signature: sign(token, timestamp, nonce) });
  if (app.config.wechat.aesKey) return; // safe-mode delivery reports are not simulated
  await fetch(`${origin}/wechat/callback?${q}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
}
