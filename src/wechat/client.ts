/**
 * The WeChat API client: co-wechat-api, with the access token shared by every process through
 * Redis and refreshed by one process at a time. Each token fetch revokes the previous token at
 * WeChat, so N processes refreshing at once would keep invalidating each other; here the others
 * wait for the lock holder's token. Base URLs point at the sandbox when no credentials are set.
 */
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import type { Ctx } from '../context.js';

const require = createRequire(import.meta.url);
// co-wechat-api is CommonJS without types; the few methods used here are typed below.
const API = require('co-wechat-api') as new (
  appid: string,
  secret: string,
  getToken: () => Promise<Token | null>,
  saveToken: (t: Token | null) => Promise<void>,
) => CoWechatApi;

interface Token {
  accessToken: string;
  expireTime: number;
}

interface CoWechatApi {
  prefix: string;
  snsPrefix: string;
  mpPrefix: string;
  customservicePrefix: string;
  setOpts(opts: { timeout: number }): void;
  getAccessToken(): Promise<Token>;
  ensureAccessToken(): Promise<Token>;
  sendTemplate(
    openid: string,
    templateId: string,
    url: string,
    topColor: string,
    data: Record<string, { value: string; color?: string }>,
  ): Promise<{ msgid: number | string }>;
  sendText(openid: string, text: string): Promise<unknown>;
  getUser(openid: string): Promise<{ subscribe: number; openid: string; nickname?: string }>;
}

export interface WechatApi {
  /** The shared access token (for the few calls made without co-wechat-api). */
  accessToken(): Promise<string>;
  sendTemplate(openid: string, templateId: string, url: string, data: Record<string, { value: string }>): Promise<string>;
  sendText(openid: string, text: string): Promise<void>;
  getUser(openid: string): Promise<{ subscribe: number; openid: string; nickname?: string }>;
}

const TOKEN_KEY = 'wx:access_token';
const LOCK_KEY = 'wx:access_token:lock';
const LOCK_MS = 10_000;

/** `base` is the API origin: https://api.weixin.qq.com, or the sandbox (…/sandbox). */
export function createWechatApi(ctx: Ctx, base: () => string): WechatApi {
  const { appid } = ctx.config.wechat;
  const secret = ctx.config.WECHAT_SECRET ?? 'sandbox-secret';
  let rejected: string | null = null; // the token WeChat just refused (40001/42001)

  async function readShared(): Promise<Token | null> {
    const raw = await ctx.redis.get(TOKEN_KEY);
    const t = raw ? (JSON.parse(raw) as Token) : null;
    return t && t.accessToken !== rejected && Date.now() < t.expireTime ? t : null;
  }

  const api = new API(appid, secret, readShared, async (t) => {
    if (t === null) {
      // co-wechat-api drops the token before refreshing; others may hold a newer one, so only remember it is bad.
      const raw = await ctx.redis.get(TOKEN_KEY);
      rejected = raw ? (JSON.parse(raw) as Token).accessToken : null;
      return;
    }
    await ctx.redis.set(TOKEN_KEY, JSON.stringify(t), 'PX', Math.max(1000, t.expireTime - Date.now()));
  });

  api.setOpts({ timeout: ctx.config.UPSTREAM_TIMEOUT_MS }); // httpx's default waits far longer than anyone would
  const fetchToken = api.getAccessToken.bind(api);
  api.getAccessToken = async () => {
    const deadline = Date.now() + LOCK_MS;
    while (Date.now() < deadline) {
      const shared = await readShared();
      if (shared) return shared;
      const lock = randomUUID();
      if ((await ctx.redis.set(LOCK_KEY, lock, 'PX', LOCK_MS, 'NX')) === 'OK') {
        try {
          const again = await readShared(); // someone may have refreshed between our read and the lock
          if (again) return again;
          const fresh = await fetchToken(); // saves through saveToken above
          rejected = null;
          return fresh;
        } finally {
          await ctx.redis.releaseLock(LOCK_KEY, lock);
        }
      }
      await new Promise((ok) => setTimeout(ok, 50));
    }
    throw Object.assign(new Error('timed out waiting for the access-token refresh'), { name: 'WeChatAPIError' });
  };

  function point() {
    const b = base().replace(/\/$/, '');
    api.prefix = `${b}/cgi-bin/`;
    api.snsPrefix = `${b}/sns/`;
    api.customservicePrefix = `${b}/customservice/`;
  }

  return {
    async accessToken() {
      point();
      return (await api.ensureAccessToken()).accessToken;
    },
    async sendTemplate(openid, templateId, url, data) {
      point();
      const r = await api.sendTemplate(openid, templateId, url, '', data);
      return String(r.msgid);
    },
    async sendText(openid, text) {
      point();
      await api.sendText(openid, text);
    },
    async getUser(openid) {
      point();
      return api.getUser(openid);
    },
  };
}
