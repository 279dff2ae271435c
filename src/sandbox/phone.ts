/**
 * A "phone" per sandbox user, so a person can click through the product with no WeChat account:
 * the template and customer-service messages they received (links open our H5 pages) and a box
 * to send text to the official account. Sending posts to /wechat/callback exactly as WeChat would
 * (signed; encrypted in safe mode) and shows the passive reply.
 */
import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Ctx } from '../context.js';
import { esc } from '../format.js';
import { sandboxKeys } from '../infra/keys.js';
import { loadTemplates } from '../notify/index.js';
import { cdata, parseXml, sign, WechatCrypto } from '../wechat/index.js';
import { type InboxMessage, SANDBOX_WHO } from './inbox.js';

/** WeChat lays a category template out by its keys' numbers (thing1, time2…); stored JSON (JSONB) may have reordered them. */
const fieldOrder = (data: Record<string, { value: string }>) =>
  Object.entries(data).sort(([a], [b]) => Number(/\d+$/.exec(a)?.[0] ?? 0) - Number(/\d+$/.exec(b)?.[0] ?? 0));
/** HTML text and attribute escaping for the sandbox's pages. */
const chatKey = sandboxKeys.chat;
const OPENID = /^[\w-]{1,64}$/;

interface Line {
  from: 'me' | 'account';
  text: string;
  at: number;
}

/** Sends text to the official account as WeChat would; returns the passive reply's text (or null for "success"). */
export function sendAsWechat(app: Ctx, origin: string, openid: string, text: string): Promise<string | null> {
  const msgId = `${Date.now()}${Math.floor(Math.random() * 1000)}`;
  return postAsWechat(app, origin, openid, `<MsgType><![CDATA[text]]></MsgType><Content>${cdata(text)}</Content><MsgId>${msgId}</MsgId>`);
}

/** An event (scan, follow…) from this user, as WeChat would post it; the passive reply's text. */
export function eventAsWechat(app: Ctx, origin: string, openid: string, event: string, eventKey?: string): Promise<string | null> {
  const key = eventKey === undefined ? '' : `<EventKey>${cdata(eventKey)}</EventKey>`;
  return postAsWechat(app, origin, openid, `<MsgType><![CDATA[event]]></MsgType><Event>${cdata(event)}</Event>${key}`);
}

async function postAsWechat(app: Ctx, origin: string, openid: string, inner: string): Promise<string | null> {
  const { token, aesKey, appid } = app.config.wechat;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(6).toString('hex');
  let body = `<xml><ToUserName>${cdata('gh_sandbox')}</ToUserName><FromUserName>${cdata(openid)}</FromUserName><CreateTime>${timestamp}</CreateTime>${inner}</xml>`;
  const q = new URLSearchParams({ timestamp, nonce, signature: sign(token, timestamp, nonce) });
  const crypto = aesKey ? new WechatCrypto(aesKey, appid) : null;
  if (crypto) {
    const encrypt = crypto.encrypt(body);
    body = `<xml><ToUserName>${cdata('gh_sandbox')}</ToUserName><Encrypt>${cdata(encrypt)}</Encrypt></xml>`;
    q.set('encrypt_type', 'aes');
    q.set('msg_signature', sign(token, timestamp, nonce, encrypt));
  }
  const res = await fetch(`${origin}/wechat/callback?${q}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
  const answer = await res.text();
  if (!res.ok) throw new Error(`callback answered ${res.status}: ${answer}`);
  if (answer === 'success' || answer === '') return null;
  const outer = parseXml(answer);
  return (crypto ? parseXml(crypto.decrypt(outer.Encrypt)) : outer).Content ?? null;
}

/**
 * Scanning a temporary QR code with this phone: WeChat reads the ticket out of the code's URL; a
 * follower's scan is a SCAN event with the scene, a user registered as not following follows first
 * (subscribe with qrscene_<scene>). An expired or unknown code is WeChat's own "二维码已过期".
 */
export async function scanAsWechat(app: Ctx, origin: string, openid: string, code: string): Promise<string | null> {
  const ticket = /\/q\/([\w-]+)\s*$/.exec(code.trim())?.[1];
  const raw = ticket ? await app.redis.get(sandboxKeys.qr(ticket)) : null;
  if (!raw) return '（微信：二维码已过期或无效）';
  const { scene } = JSON.parse(raw) as { scene: string };
  const u = await app.redis.hget(sandboxKeys.users, openid);
  const user = u ? (JSON.parse(u) as { subscribed: boolean; nickname: string }) : null;
  if (user && !user.subscribed) {
    await app.redis.hset(sandboxKeys.users, openid, JSON.stringify({ ...user, subscribed: true }));
    return eventAsWechat(app, origin, openid, 'subscribe', `qrscene_${scene}`);
  }
  // As everywhere in the sandbox, a user not registered otherwise (POST /sandbox/users) follows the account.
  return eventAsWechat(app, origin, openid, 'SCAN', scene);
}

/** The cookie naming whose sandbox phone this browser is showing. */

export function sandboxPhone(app: Ctx): Router {
  const r = new Router({ prefix: '/sandbox/phone' });
  const templates = new Map([...loadTemplates()].map(([k, t]) => [`sandbox-${k}`, t]));
  const self = (ctx: Context) => `http://127.0.0.1:${ctx.req.socket.localPort}`;

  r.get('/', async (ctx) => {
    const planners = await app.db.planner.findMany({
      where: { openid: { not: null } },
      orderBy: { id: 'asc' },
      take: 100,
      select: { name: true, tier: true, openid: true },
    });
    const travelers = await app.db.traveler.findMany({
      where: { openid: { not: null } },
      orderBy: { id: 'desc' },
      take: 50,
      select: { name: true, openid: true, phoneVerifiedAt: true },
    });
    const cell = (openid: string, name: string, what: string) =>
      `<a class="cell" href="/sandbox/phone/${esc(openid)}">${esc(name)} <small>${esc(what)} · ${esc(openid)}</small></a>`;
    ctx.type = 'html';
    ctx.body = page(
      '沙箱手机',
      `<h4>定制师</h4><div class="list">${planners.map((p) => cell(p.openid!, p.name, `${p.tier}级`)).join('') || '<p class="empty">还没有绑定微信的定制师。运行 npm run seed。</p>'}</div>
<h4>旅行用户</h4><div class="list">${travelers.map((t) => cell(t.openid!, t.name, t.phoneVerifiedAt ? '手机已验证' : '旅行用户')).join('') || '<p class="empty">还没有旅行用户。在 /h5/trip 以任意 openid 登录并提交需求。</p>'}</div>`,
    );
  });

  /** A template link, opened as WeChat would: through OAuth first, so the page knows who this phone is. */
  const openInWechat = (url: string): string | null => {
    let u: URL;
    try {
      u = new URL(url, app.config.PUBLIC_URL);
    } catch {
      return null;
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return null; // never a javascript: or data: link
    return u.origin === new URL(app.config.PUBLIC_URL).origin
      ? `/auth/wechat?${new URLSearchParams({ next: u.pathname + u.search })}`
      : u.toString();
  };
  const link = (url: string | undefined) => {
    const href = url ? openInWechat(url) : null;
    return href ? `<a class="open" href="${esc(href)}">详情 ›</a>` : '';
  };

  r.get('/:openid', async (ctx) => {
    const openid = ctx.params.openid;
    if (!OPENID.test(openid)) ctx.throw(400, 'openid: letters, digits, _ or -');
    // This page is "inside" this user's WeChat: the OAuth page answers silently for them (snsapi_base).
    ctx.cookies.set(SANDBOX_WHO, openid, { httpOnly: true, sameSite: 'lax', overwrite: true });
    const inbox = (await app.redis.lrange(sandboxKeys.inbox(openid), 0, 49)).map((m) => JSON.parse(m) as InboxMessage);
    const chat = (await app.redis.lrange(chatKey(openid), 0, 49)).map((m) => JSON.parse(m) as Line).reverse();
    const cards = inbox
      .map((m) =>
        m.kind === 'template'
          ? `<div class="card"><b>${esc(templates.get(m.templateId ?? '')?.title ?? m.templateId)}</b>${fieldOrder(m.data ?? {})
              .map(
                ([k, v]) =>
                  `<div class="kv"><span class="label">${esc(templates.get(m.templateId ?? '')?.fields[k]?.label ?? k)}</span>${esc(v.value)}</div>`,
              )
              .join('')}${link(m.url)}</div>`
          : `<div class="card"><b>${m.kind === 'sms' ? '短信' : m.kind === 'mass' ? '群发消息' : '客服消息'}</b><div class="note">${esc(m.text).replaceAll('\n', '<br>')}</div></div>`,
      )
      .join('');
    const menu = JSON.parse((await app.redis.get(sandboxKeys.menu)) ?? '[]') as { type: string; name: string }[];
    // The account's menu, as WeChat shows it under the chat: a tap is a CLICK or VIEW event.
    const menuBar = menu.length
      ? `<form method="post" action="/sandbox/phone/${esc(openid)}/menu" class="menu">${menu
          .map((b, i) => `<button name="i" value="${i}">${esc(b.name)}</button>`)
          .join('')}</form>`
      : '';
    const lines = chat.map((l) => `<div class="bubble ${l.from}">${esc(l.text).replaceAll('\n', '<br>')}</div>`).join('');
    ctx.type = 'html';
    const nonce = randomBytes(12).toString('base64');
    ctx.set(
      'content-security-policy',
      `default-src 'none'; script-src 'nonce-${nonce}'; connect-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    );
    ctx.body = page(
      `${openid} 的微信`,
      `<h4>服务通知 (${inbox.length})</h4><div id="inbox" data-count="${inbox.length}">${cards || '<p class="empty">还没有收到消息</p>'}</div>
<h4>定制游抢单 公众号</h4><div class="chat">${lines || '<p class="empty">回复「帮助」看看能做什么</p>'}<div id="chat-end"></div></div>
<form method="post" action="/sandbox/phone/${esc(openid)}/scan" class="scan"><input name="code" autocomplete="off" placeholder="扫一扫：粘贴二维码内容（http://weixin.qq.com/q/…）" aria-label="二维码内容"><button>扫一扫</button></form>
${menuBar}<form method="post" action="/sandbox/phone/${esc(openid)}/send" class="box"><input name="text" autocomplete="off" placeholder="回复公众号：池、单、抢 加需求编号、帮助" autofocus><button>发送</button></form>
<script nonce="${nonce}">setInterval(async()=>{const r=await fetch('/sandbox/users/${esc(openid)}/inbox');const n=(await r.json()).items.length;if(n!==${inbox.length}&&!document.querySelector('input').value)location.reload()},3000)</script>`,
    );
  });

  /** What the phone posts (a form): text to send, or a scanned code. */
  const formField = async (ctx: Context, name: string) => {
    let raw = '';
    for await (const chunk of ctx.req) {
      raw += chunk;
      if (raw.length > 4096) ctx.throw(413, 'too long');
    }
    return (new URLSearchParams(raw).get(name) ?? '').trim();
  };
  const say = async (openid: string, mine: string, reply: string | null) => {
    await app.redis.lpush(chatKey(openid), JSON.stringify({ from: 'me', text: mine, at: Date.now() } satisfies Line));
    if (reply) await app.redis.lpush(chatKey(openid), JSON.stringify({ from: 'account', text: reply, at: Date.now() } satisfies Line));
    await app.redis.ltrim(chatKey(openid), 0, 199);
  };

  r.post('/:openid/send', async (ctx) => {
    const openid = ctx.params.openid;
    if (!OPENID.test(openid)) ctx.throw(400, 'openid: letters, digits, _ or -');
    const text = await formField(ctx, 'text');
    if (text) {
      const reply = await sendAsWechat(app, self(ctx), openid, text).catch((e: Error) => `（公众号没有回应：${e.message})`);
      await say(openid, text, reply);
    }
    ctx.redirect(`/sandbox/phone/${openid}#chat-end`); // the reply stays in view
  });

  r.post('/:openid/menu', async (ctx) => {
    const openid = ctx.params.openid;
    if (!OPENID.test(openid)) ctx.throw(400, 'openid: letters, digits, _ or -');
    const i = Number(await formField(ctx, 'i'));
    const menu = JSON.parse((await app.redis.get(sandboxKeys.menu)) ?? '[]') as {
      type: string;
      name: string;
      url?: string;
      key?: string;
    }[];
    const b = menu[i];
    if (!b) return ctx.redirect(`/sandbox/phone/${openid}`);
    if (b.type === 'view') {
      await eventAsWechat(app, self(ctx), openid, 'VIEW', b.url).catch(() => null);
      return ctx.redirect(openInWechat(b.url ?? '') ?? `/sandbox/phone/${openid}`);
    }
    const reply = await eventAsWechat(app, self(ctx), openid, 'CLICK', b.key).catch((e: Error) => `（公众号没有回应：${e.message})`);
    await say(openid, `[菜单] ${b.name}`, reply);
    ctx.redirect(`/sandbox/phone/${openid}#chat-end`);
  });

  r.post('/:openid/scan', async (ctx) => {
    const openid = ctx.params.openid;
    if (!OPENID.test(openid)) ctx.throw(400, 'openid: letters, digits, _ or -');
    const code = await formField(ctx, 'code');
    if (code) {
      const reply = await scanAsWechat(app, self(ctx), openid, code).catch((e: Error) => `（公众号没有回应：${e.message})`);
      await say(openid, '[扫描二维码]', reply);
    }
    ctx.redirect(`/sandbox/phone/${openid}#chat-end`);
  });

  return r;
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title>
<style>body{margin:0;background:#ededed;font:15px/1.5 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;color:#111}
header{background:#07c160;color:#fff;padding:12px 16px;font-weight:600}main{max-width:480px;margin:0 auto;padding:8px 12px 130px}
h4{color:#888;font-weight:400;margin:16px 4px 8px}.card{background:#fff;border-radius:8px;padding:12px;margin:8px 0}.card b{display:block;margin-bottom:6px}
.note{color:#333}.kv{color:#333;display:flex;gap:12px}.kv .label{color:#888;min-width:5em}.card a{display:block;margin-top:8px;color:#576b95;text-decoration:none;border-top:1px solid #eee;padding-top:8px}
.chat{display:flex;flex-direction:column}.bubble{max-width:80%;padding:8px 12px;border-radius:6px;margin:4px 0;white-space:normal}
.me{align-self:flex-end;background:#95ec69}.account{align-self:flex-start;background:#fff}.empty{color:#999;text-align:center}
#chat-end{scroll-margin-top:70vh}
.box{position:fixed;left:0;right:0;bottom:0;display:flex;gap:8px;padding:10px;background:#f7f7f7;border-top:1px solid #ddd}
.box input{flex:1;padding:8px;border:1px solid #ddd;border-radius:4px;font-size:15px}.box button{background:#07c160;color:#fff;border:0;border-radius:4px;padding:0 16px}
.scan{display:flex;gap:8px;margin:12px 0}.scan input{flex:1;padding:8px;border:1px solid #ddd;border-radius:4px;font-size:13px}.scan button{background:#fff;border:1px solid #07c160;color:#07c160;border-radius:4px;padding:0 12px}
.menu{position:fixed;left:0;right:0;bottom:58px;display:flex;border-top:1px solid #ddd;background:#f7f7f7}.menu button{flex:1;background:none;border:0;border-right:1px solid #ddd;padding:10px;font-size:15px;color:#111}
.list .cell{display:block;background:#fff;padding:12px;border-bottom:1px solid #eee;color:#111;text-decoration:none}small{color:#888}</style>
<header>${esc(title)}</header><main>${body}</main></html>`;
}
