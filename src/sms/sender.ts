/**
 * Text messages to phones, behind one small interface. In development the sandbox shows them on
 * the WeChat user's sandbox phone page; otherwise they are POSTed to SMS_WEBHOOK_URL as
 * `{phone, text}` (bearer SMS_WEBHOOK_TOKEN), where a few lines adapt any provider (Aliyun,
 * Tencent Cloud SMS): the product does not carry one vendor's signing code.
 */
import type { Ctx } from '../context.js';
import { textToSandboxPhone } from '../sandbox/index.js';

export interface SmsSender {
  /** `openid` is whoever asked (the sandbox shows the text on their phone page). */
  send(m: { phone: string; text: string; openid: string }): Promise<void>;
}

export class SmsUnavailable extends Error {
  override name = 'SmsUnavailable';
}

export function createSmsSender(app: Ctx): SmsSender {
  const { SMS_WEBHOOK_URL: url, SMS_WEBHOOK_TOKEN: token, UPSTREAM_TIMEOUT_MS: timeout } = app.config;
  if (!url) return { send: (m) => textToSandboxPhone(app, m.openid, `短信 → ${m.phone}:${m.text}`) };
  return {
    async send(m) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ phone: m.phone, text: m.text }),
        signal: AbortSignal.timeout(timeout),
      }).catch((err: Error) => {
        throw new SmsUnavailable(`SMS provider unreachable: ${err.message}`);
      });
      if (!res.ok) throw new SmsUnavailable(`SMS provider answered ${res.status}`);
    },
  };
}
