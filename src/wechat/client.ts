/**
 * The WeChat API client: co-wechat-api for the calls, and one mechanism for the credentials every
 * process shares, the access token and the JS-SDK ticket (`sharedCredential`): kept in Redis,
 * refreshed by one process at a time while the others wait for its result. The token comes from
 * `POST /cgi-bin/stable_token` in normal mode, which hands every caller the same token until it
 * expires and never revokes a token another process holds (co-wechat-api's own `/cgi-bin/token`
 * would). Base URLs point at the sandbox when no credentials are set; it serves the same endpoints.
 */
import { createHash, randomBytes } from 'node:crypto';
import WechatAPI from 'co-wechat-api';
import type { Ctx, WechatApi } from '../context.js';
import { withLock } from '../grab/index.js';
import { wechatKeys } from '../infra/keys.js';

export type { WechatApi };

/** A refusal or silence from WeChat, with WeChat's errcode when it gave one. */
export class WechatError extends Error {
  override name = 'WeChatAPIError';
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
  }
}

type CredentialName = 'access_token' | 'jsapi_ticket';
interface Held {
  value: string;
  expireTime: number;
}
const WAIT_MS = 10_000;
const MARGIN_MS = 5 * 60_000; // refreshed this long before WeChat's expiry

/**
 * A credential shared by every process through Redis. `get` answers the held value while it is
 * good; otherwise one process (under a lock) fetches and stores it, and the rest wait for it.
 * `reject(value)` says WeChat refused that value (40001/42001): it is not handed out again, and the
 * next fetch is told so (`stale`), which for the token means asking stable_token to force a new one
 * only if normal mode hands back the refused one.
 */
function sharedCredential(
  ctx: Ctx,
  name: CredentialName,
  fetchFresh: (refused: string | null) => Promise<{ value: string; expiresIn: number }>,
) {
  const key = wechatKeys.credential(name);
  let refused: string | null = null;

  async function held(): Promise<Held | null> {
    const raw = await ctx.redis.get(key);
    const h = raw ? (JSON.parse(raw) as Held) : null;
    return h && h.value !== refused && Date.now() < h.expireTime ? h : null;
  }

  return {
    async get(): Promise<Held> {
      const deadline = Date.now() + WAIT_MS;
      while (Date.now() < deadline) {
        const h = await held();
        if (h) return h;
        const got = await withLock(ctx, wechatKeys.credentialLock(name), WAIT_MS, async () => {
          const again = await held(); // someone may have refreshed between our read and the lock
          if (again) return again;
          const fresh = await fetchFresh(refused);
          const h2 = { value: fresh.value, expireTime: Date.now() + Math.max(60_000, fresh.expiresIn * 1000 - MARGIN_MS) };
          await ctx.redis.set(key, JSON.stringify(h2), 'PX', h2.expireTime - Date.now());
          return h2;
        });
        if (got) return got;
        await new Promise((ok) => setTimeout(ok, 50));
      }
      throw new WechatError(`timed out waiting for the ${name} refresh`);
    },
    reject(value: string | null) {
      refused = value;
    },
  };
}

async function getJson<T>(url: string, init: RequestInit, timeoutMs: number): Promise<T & { errcode?: number; errmsg?: string }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) }).catch((err: Error) => {
    throw new WechatError(`WeChat did not answer (${err.message.slice(0, 80)})`);
  });
  const body = (await res.json().catch(() => null)) as (T & { errcode?: number; errmsg?: string }) | null;
  if (!body) throw new WechatError(`WeChat answered ${res.status} without JSON`);
  if (body.errcode) throw new WechatError(`${body.errcode} ${body.errmsg ?? ''}`.trim(), body.errcode);
  return body;
}

/** `base` is the API origin: https://api.weixin.qq.com, or the sandbox (…/sandbox). */
export function createWechatApi(ctx: Ctx, base: () => string): WechatApi {
  const { appid } = ctx.config.wechat;
  const secret = ctx.config.WECHAT_SECRET ?? 'sandbox-secret';
  const timeout = ctx.config.UPSTREAM_TIMEOUT_MS;
  const origin = () => base().replace(/\/$/, '');

  const token = sharedCredential(ctx, 'access_token', async (refused) => {
    const ask = (force: boolean) =>
      getJson<{ access_token: string; expires_in: number }>(
        `${origin()}/cgi-bin/stable_token`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ grant_type: 'client_credential', appid, secret, force_refresh: force }),
        },
        timeout,
      );
    let r = await ask(false);
    // Normal mode hands out the current token; if that is the one WeChat just refused, force a new one.
    if (refused && r.access_token === refused) r = await ask(true);
    return { value: r.access_token, expiresIn: r.expires_in };
  });

  const ticket = sharedCredential(ctx, 'jsapi_ticket', async () => {
    const access = (await token.get()).value;
    const r = await getJson<{ ticket: string; expires_in: number }>(
      `${origin()}/cgi-bin/ticket/getticket?access_token=${encodeURIComponent(access)}&type=jsapi`,
      {},
      timeout,
    );
    return { value: r.ticket, expiresIn: r.expires_in };
  });

  let handedOut: string | null = null; // the token co-wechat-api is using: the one a 40001/42001 refers to
  const current = async () => {
    const h = await token.get();
    handedOut = h.value;
    return { accessToken: h.value, expireTime: h.expireTime };
  };
  const api = new WechatAPI(appid, secret, current, async (t) => {
    // co-wechat-api drops the token it was refused (40001/42001) before asking again.
    if (t === null) token.reject(handedOut);
  });
  api.setOpts({ timeout }); // httpx's default waits far longer than anyone would
  // co-wechat-api's own getAccessToken calls /cgi-bin/token (which revokes everyone's token): never.
  api.getAccessToken = current;

  /** A POST (a GET without a body) to WeChat's API with the shared token (co-wechat-api lacks these fields/endpoints); a refused token is refreshed once. */
  async function call<T>(path: string, body?: unknown): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const access = (await token.get()).value;
      try {
        return await getJson<T>(
          `${origin()}/cgi-bin/${path}?access_token=${encodeURIComponent(access)}`,
          body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
          timeout,
        );
      } catch (err) {
        const code = (err as WechatError).code;
        if (attempt === 0 && (code === 40001 || code === 42001)) {
          token.reject(access);
          continue;
        }
        throw err;
      }
    }
  }

  /** co-wechat-api pointed at the base URL of the moment (the sandbox's is known only once the server listens). */
  let pointedAt = '';
  function wx(): WechatAPI {
    const b = origin();
    if (b !== pointedAt) {
      api.prefix = `${b}/cgi-bin/`;
      api.snsPrefix = `${b}/sns/`;
      api.customservicePrefix = `${b}/customservice/`;
      pointedAt = b;
    }
    return api;
  }

  return {
    async accessToken() {
      return (await token.get()).value;
    },
    async jsapiTicket() {
      return (await ticket.get()).value;
    },
    async jssdkConfig(url) {
      const jsapiTicket = (await ticket.get()).value;
      const nonceStr = randomBytes(8).toString('hex');
      const timestamp = Math.floor(ctx.now() / 1000);
      // WeChat JS-SDK 附录1: sha1 of the four fields in this order, as a query string.
      const signature = createHash('sha1')
        .update(`jsapi_ticket=${jsapiTicket}&noncestr=${nonceStr}&timestamp=${timestamp}&url=${url}`)
        .digest('hex');
      return { appId: appid, timestamp, nonceStr, signature };
    },
    async sendTemplate(openid, templateId, url, data, clientMsgId) {
      // Direct: co-wechat-api has no client_msg_id (WeChat drops a repeat of one id to one user for 10 minutes).
      const r = await call<{ msgid: number | string }>('message/template/send', {
        touser: openid,
        template_id: templateId,
        url,
        data,
        ...(clientMsgId ? { client_msg_id: clientMsgId } : {}),
      });
      return String(r.msgid);
    },
    call,
    async sendText(openid, text) {
      await wx().sendText(openid, text);
    },
    async createQrCode(scene, seconds) {
      const r = await wx().createTmpQRCode(scene, seconds);
      return { ticket: r.ticket, url: r.url, expireSeconds: r.expire_seconds };
    },
    async getUser(openid) {
      return wx().getUser(openid);
    },
  };
}
