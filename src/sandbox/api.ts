/**
 * The local WeChat: the parts of WeChat's HTTP API this product calls, spoken in WeChat's own
 * protocol (paths, query, JSON, errcodes) so the real clients talk to it unchanged but for their
 * base URL. Mounted at /sandbox when WECHAT_APPID is unset. State lives in Redis, so every
 * instance serves the same sandbox. Faults are switched on by tests and people through /sandbox/faults.
 */
import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Ctx } from '../context.js';
import { sign } from '../wechat/index.js';
import { cdata } from '../wechat/index.js';
import { SANDBOX_WHO, type InboxMessage } from './inbox.js';
import { chinaDate, esc } from '../format.js';
import { json } from '../http/body.js';
import { invalidValue } from '../notify/index.js';
import { sandboxKeys, scanKeys } from '../infra/keys.js';

const K = sandboxKeys;

const TOKEN_TTL_SEC = 7200;

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

function err(ctx: Context, errcode: number, errmsg: string) {
  ctx.body = { errcode, errmsg };
}

export function sandboxApi(app: Ctx): Router {
  const r = new Router({ prefix: '/sandbox' });
  const { appid } = app.config.wechat;
  r.use(json);

  r.use(async (ctx, next) => {
    const slow = Number(await app.redis.hget(K.faults, 'slowMs')) || 0;
    if (slow && ctx.path.startsWith('/sandbox/cgi-bin/')) await new Promise((ok) => setTimeout(ok, slow));
    return next();
  });

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

  /** The custom menu: at most 3 buttons, names of at most 4 hanzi (8 bytes+), view or click; the phone shows it. */
  r.post('/cgi-bin/menu/create', async (ctx) => {
    if (!(await tokenOk(ctx))) return;
    const b = ctx.request.body as { button?: { type?: string; name?: string; url?: string; key?: string }[] };
    if (!Array.isArray(b?.button) || b.button.length === 0 || b.button.length > 3) return err(ctx, 40017, 'invalid button size');
    for (const x of b.button) {
      if (!x.name || [...x.name].length > 8) return err(ctx, 40018, 'invalid button name size');
      if (x.type === 'view' && !/^https?:\/\//.test(x.url ?? '')) return err(ctx, 40055, 'invalid button url domain');
      if (x.type === 'click' && !x.key) return err(ctx, 40019, 'invalid button key size');
      if (x.type !== 'view' && x.type !== 'click') return err(ctx, 40016, 'invalid button type');
    }
    await app.redis.set(K.menu, JSON.stringify(b.button));
    ctx.body = { errcode: 0, errmsg: 'ok' };
  });

  /** Temporary parameterised QR codes (qrcode/create), as WeChat answers them; the phone page scans them. */
  r.post('/cgi-bin/qrcode/create', async (ctx) => {
    if (!(await tokenOk(ctx))) return;
    const b = (ctx.request.body ?? {}) as {
      expire_seconds?: number;
      action_name?: string;
      action_info?: { scene?: { scene_str?: string; scene_id?: number } };
    };
    const scene = b.action_info?.scene;
    const value =
      b.action_name === 'QR_STR_SCENE' ? scene?.scene_str : b.action_name === 'QR_SCENE' ? String(scene?.scene_id ?? '') : undefined;
    if (!value || value.length > 64) return err(ctx, 40053, 'invalid action info');
    const seconds = Math.min(Math.max(Math.floor(Number(b.expire_seconds) || 60), 60), 2_592_000);
    const ticket = randomBytes(24).toString('base64url');
    await app.redis.set(K.qr(ticket), JSON.stringify({ scene: value }), 'EX', seconds);
    ctx.body = { ticket, expire_seconds: seconds, url: `http://weixin.qq.com/q/${ticket}` };
  });

  /** The old endpoint, as WeChat has it: every call issues a new token and revokes the one before. */
  r.get('/cgi-bin/token', async (ctx) => {
    if (ctx.query.appid !== appid) return err(ctx, 40013, 'invalid appid');
    const previous = await app.redis.get(K.stableToken);
    const token = await issueToken();
    if (previous) await app.redis.set(K.token(previous), 'expired', 'KEEPTTL');
    await app.redis.set(K.stableToken, token, 'EX', TOKEN_TTL_SEC);
    ctx.body = { access_token: token, expires_in: TOKEN_TTL_SEC };
  });

  /**
   * stable_token: normal mode hands every caller the current token until it expires (nobody's
   * token is revoked); force_refresh issues a new one and ends the old.
   */
  r.post('/cgi-bin/stable_token', async (ctx) => {
    const b = (ctx.request.body ?? {}) as { grant_type?: string; appid?: string; secret?: string; force_refresh?: boolean };
    if (b.grant_type !== 'client_credential') return err(ctx, 40002, 'invalid grant_type');
    if (b.appid !== appid) return err(ctx, 40013, 'invalid appid');
    const current = await app.redis.get(K.stableToken);
    if (current && !b.force_refresh && (await app.redis.get(K.token(current))) === 'ok') {
      ctx.body = { access_token: current, expires_in: Math.max(1, await app.redis.ttl(K.token(current))) };
      return;
    }
    const token = await issueToken();
    if (current) await app.redis.set(K.token(current), 'expired', 'KEEPTTL');
    await app.redis.set(K.stableToken, token, 'EX', TOKEN_TTL_SEC);
    ctx.body = { access_token: token, expires_in: TOKEN_TTL_SEC };
  });

  r.post('/cgi-bin/message/template/send', async (ctx) => {
    if (!(await tokenOk(ctx))) return;
    const b = (ctx.request.body ?? {}) as {
      touser?: string;
      template_id?: string;
      url?: string;
      data?: InboxMessage['data'];
      client_msg_id?: string;
    };
    if (!b.touser || !b.template_id) return err(ctx, 47001, 'data format error');
    // client_msg_id: one message per id and user within 10 minutes; a repeat gets the first one's msgid and shows nothing.
    const seen = b.client_msg_id ? await app.redis.get(K.clientMsg(b.touser, b.client_msg_id)) : null;
    if (seen) return void (ctx.body = { errcode: 0, errmsg: 'ok', msgid: Number(seen) > Number.MAX_SAFE_INTEGER ? seen : Number(seen) });
    if (!(await deliverable(ctx, b.touser))) return;
    // Category templates: each value must fit its key's type, or WeChat answers 47003 and shows nothing.
    for (const [key, v] of Object.entries(b.data ?? {})) {
      const bad = invalidValue(key, String(v?.value ?? ''));
      if (bad) return err(ctx, 47003, bad);
    }
    const msgid = String(2_000_000_000_000_000_000n + BigInt(await app.redis.incr(K.msgid)));
    if (b.client_msg_id) await app.redis.set(K.clientMsg(b.touser, b.client_msg_id), msgid, 'EX', 600);
    const m: InboxMessage = { msgid, kind: 'template', templateId: b.template_id, url: b.url, data: b.data, at: Date.now() };
    await app.redis.lpush(K.inbox(b.touser), JSON.stringify(m));
    ctx.body = { errcode: 0, errmsg: 'ok', msgid: Number(msgid) > Number.MAX_SAFE_INTEGER ? msgid : Number(msgid) };
    // As WeChat does, report the delivery to the official account's callback a moment later.
    const origin = `http://127.0.0.1:${ctx.req.socket.localPort}`; // this server (the sandbox is local by definition)
    setTimeout(
      () => void reportDelivery(app, origin, b.touser!, msgid).catch((e) => app.log.warn({ err: e }, 'sandbox delivery report failed')),
      100,
    );
  });

  r.post('/cgi-bin/message/custom/send', async (ctx) => {
    if (!(await tokenOk(ctx))) return;
    const b = (ctx.request.body ?? {}) as { touser?: string; msgtype?: string; text?: { content?: string } };
    if (!b.touser || b.msgtype !== 'text' || !b.text?.content) return err(ctx, 47001, 'data format error');
    if (!(await deliverable(ctx, b.touser))) return;
    const msgid = String(await app.redis.incr(K.msgid));
    await app.redis.lpush(
      K.inbox(b.touser),
      JSON.stringify({ msgid, kind: 'custom', text: b.text.content, at: Date.now() } satisfies InboxMessage),
    );
    ctx.body = { errcode: 0, errmsg: 'ok' };
  });

  r.get('/cgi-bin/user/info', async (ctx) => {
    if (!(await tokenOk(ctx))) return;
    const u = await user(String(ctx.query.openid ?? ''));
    if (!u) return err(ctx, 40003, 'invalid openid');
    ctx.body = u.subscribed
      ? { subscribe: 1, openid: u.openid, nickname: u.nickname, language: 'zh_CN' }
      : { subscribe: 0, openid: u.openid };
  });

  // --- tags and mass send (broadcasts) ---------------------------------------
  r.post('/cgi-bin/tags/create', async (ctx) => {
    if (!(await tokenOk(ctx))) return;
    const name = (ctx.request.body as { tag?: { name?: string } })?.tag?.name;
    if (!name || name.length > 30) return err(ctx, 45158, 'tag name too long or empty');
    if (Object.values(await app.redis.hgetall(K.tags)).includes(name)) return err(ctx, 45157, 'tag name already exists');
    const id = await app.redis.incr(K.tagId);
    await app.redis.hset(K.tags, String(id), name);
    ctx.body = { tag: { id, name } };
  });

  r.get('/cgi-bin/tags/get', async (ctx) => {
    if (!(await tokenOk(ctx))) return;
    const tags = await app.redis.hgetall(K.tags);
    ctx.body = {
      tags: await Promise.all(
        Object.entries(tags).map(async ([id, name]) => ({ id: Number(id), name, count: await app.redis.scard(K.tag(id)) })),
      ),
    };
  });

  for (const [path, change] of [
    ['batchtagging', 'sadd'],
    ['batchuntagging', 'srem'],
  ] as const) {
    r.post(`/cgi-bin/tags/members/${path}`, async (ctx) => {
      if (!(await tokenOk(ctx))) return;
      const b = ctx.request.body as { openid_list?: string[]; tagid?: number };
      if (!b?.tagid || !(await app.redis.hexists(K.tags, String(b.tagid)))) return err(ctx, 45159, 'invalid tag id');
      if (!Array.isArray(b.openid_list) || b.openid_list.length === 0 || b.openid_list.length > 50)
        return err(ctx, 40032, 'invalid openid list size');
      await app.redis[change](K.tag(b.tagid), ...b.openid_list);
      ctx.body = { errcode: 0, errmsg: 'ok' };
    });
  }

  /**
   * Mass text to a tag (sendall) or to a list of openids (send), as WeChat does it: followers only,
   * at most 4 mass messages a month per follower (the rest filtered silently), and the result posted
   * to the official account's callback as MASSSENDJOBFINISH a moment later.
   */
  async function mass(ctx: Context, openids: string[]) {
    const content = (ctx.request.body as { text?: { content?: string }; msgtype?: string })?.text?.content;
    if ((ctx.request.body as { msgtype?: string }).msgtype !== 'text' || !content) return err(ctx, 47001, 'data format error');
    if (await frequencyLimited(ctx)) return;
    const msgId = await app.redis.incr(K.msgid);
    const month = chinaDate(Date.now()).slice(0, 7);
    let sent = 0;
    let filtered = 0;
    for (const openid of openids) {
      const u = await user(openid);
      if (u && !u.subscribed) continue;
      if ((await app.redis.incr(K.massMonth(openid, month))) > 4) {
        filtered++;
        continue;
      }
      await app.redis.expire(K.massMonth(openid, month), 32 * 86_400);
      await app.redis.lpush(
        K.inbox(openid),
        JSON.stringify({ msgid: String(msgId), kind: 'mass', text: content, at: Date.now() } satisfies InboxMessage),
      );
      sent++;
    }
    await app.redis.hset(K.mass, String(msgId), JSON.stringify({ sent, filtered, total: openids.length }));
    ctx.body = { errcode: 0, errmsg: 'send job submission success', msg_id: msgId, msg_data_id: msgId };
    const origin = `http://127.0.0.1:${ctx.req.socket.localPort}`;
    const result = {
      MsgID: msgId,
      Status: 'send success',
      TotalCount: openids.length,
      FilterCount: filtered,
      SentCount: sent,
      ErrorCount: 0,
    };
    setTimeout(
      () => void reportEvent(app, origin, 'MASSSENDJOBFINISH', result).catch((e) => app.log.warn({ err: e }, 'sandbox mass report failed')),
      100,
    );
  }

  r.post('/cgi-bin/message/mass/preview', async (ctx) => {
    if (!(await tokenOk(ctx))) return;
    const b = ctx.request.body as { touser?: string; msgtype?: string; text?: { content?: string } };
    if (b?.msgtype !== 'text' || !b.text?.content || !b.touser) return err(ctx, 47001, 'data format error');
    if (!(await deliverable(ctx, b.touser))) return;
    await app.redis.lpush(
      K.inbox(b.touser),
      JSON.stringify({
        msgid: String(await app.redis.incr(K.msgid)),
        kind: 'mass',
        text: `（预览）${b.text.content}`,
        at: Date.now(),
      } satisfies InboxMessage),
    );
    ctx.body = { errcode: 0, errmsg: 'preview success', msg_id: 0 };
  });

  r.post('/cgi-bin/message/mass/sendall', async (ctx) => {
    if (!(await tokenOk(ctx))) return;
    const tagId = (ctx.request.body as { filter?: { tag_id?: number } })?.filter?.tag_id;
    if (!tagId || !(await app.redis.hexists(K.tags, String(tagId)))) return err(ctx, 40050, 'invalid group id');
    return mass(ctx, await app.redis.smembers(K.tag(tagId)));
  });

  r.post('/cgi-bin/message/mass/send', async (ctx) => {
    if (!(await tokenOk(ctx))) return;
    const to = (ctx.request.body as { touser?: string[] })?.touser;
    if (!Array.isArray(to) || to.length < 2 || to.length > 10_000) return err(ctx, 40130, 'invalid openid list size, at least two openid');
    return mass(ctx, to);
  });

  r.get('/cgi-bin/ticket/getticket', async (ctx) => {
    if (!(await tokenOk(ctx))) return;
    if (ctx.query.type !== 'jsapi') return err(ctx, 40097, 'invalid args');
    const ticket = randomBytes(24).toString('base64url');
    await app.redis.set(K.ticket(ticket), 'ok', 'EX', TOKEN_TTL_SEC);
    ctx.body = { errcode: 0, errmsg: 'ok', ticket, expires_in: TOKEN_TTL_SEC };
  });

  // --- web OAuth: choose who you are (a page), or say it (?openid=, for scripts) ---
  r.get('/connect/oauth2/authorize', async (ctx) => {
    const redirect = String(ctx.query.redirect_uri ?? '');
    const state = String(ctx.query.state ?? '');
    if (ctx.query.appid !== appid || !/^https?:\/\//.test(redirect)) {
      ctx.status = 400;
      ctx.body = 'sandbox OAuth: wrong appid or redirect_uri';
      return;
    }
    const go = async (openid: string) => {
      const code = randomBytes(16).toString('hex');
      await app.redis.set(K.oauth(code), openid, 'EX', 300);
      const u = new URL(redirect);
      u.searchParams.set('code', code);
      u.searchParams.set('state', state);
      ctx.redirect(u.toString());
    };
    // ?openid= for scripts; a browser showing a sandbox phone is that user, as inside WeChat.
    const chosen = String(ctx.query.openid ?? '') || (ctx.cookies.get(SANDBOX_WHO) ?? '');
    if (chosen) return go(chosen);
    const users = Object.values(await app.redis.hgetall(K.users)).map((u) => JSON.parse(u) as SandboxUser);
    const planners = await app.db.planner.findMany({ where: { openid: { not: null } }, select: { name: true, openid: true }, take: 50 });
    const known = new Map<string, string>([
      ...planners.map((p) => [p.openid!, p.name] as [string, string]),
      ...users.map((u) => [u.openid, u.nickname] as [string, string]),
    ]);
    const link = (openid: string) => `?${new URLSearchParams({ ...(ctx.query as Record<string, string>), openid })}`;
    ctx.type = 'html';
    ctx.body = `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>微信授权（沙箱）</title>
<body style="font-family:sans-serif;max-width:420px;margin:2em auto"><h3>微信授权（本地沙箱）</h3><p style="color:#555;font-size:.9em">这一页代替微信的授权：在微信里，用户打开链接时微信会告诉我们他是谁。这里请选择你要扮演的微信用户，或在下面输入一个新的 openid（任意字母和数字，代表一位新的微信用户）。</p><ul>${[
      ...known,
    ]
      .map(([openid, name]) => `<li><a href="${esc(link(openid))}">${esc(name)}</a> <small>${esc(openid)}</small></li>`)
      .join(
        '',
      )}</ul><form method="get"><input type="hidden" name="appid" value="${esc(appid)}"><input type="hidden" name="redirect_uri" value="${esc(redirect)}"><input type="hidden" name="state" value="${esc(state)}"><input type="hidden" name="response_type" value="code"><input type="hidden" name="scope" value="snsapi_base">
<input name="openid" placeholder="新的 openid，如 o-traveler-1" aria-label="新的 openid"> <button>以这个用户授权</button></form><p style="font-size:.9em"><a href="/sandbox/phone">打开沙箱手机</a></p></body>`;
  });

  r.get('/sns/oauth2/access_token', async (ctx) => {
    if (ctx.query.appid !== appid) return err(ctx, 40013, 'invalid appid');
    const key = K.oauth(String(ctx.query.code ?? ''));
    const openid = await app.redis.getdel(key); // a code is good once, as at WeChat
    if (!openid) return err(ctx, 40029, 'invalid code');
    ctx.body = {
      access_token: randomBytes(16).toString('hex'),
      expires_in: 7200,
      refresh_token: randomBytes(16).toString('hex'),
      openid,
      scope: 'snsapi_base',
    };
  });

  // /sandbox itself: the phone is what a person came for.
  r.get('/', (ctx) => ctx.redirect('/sandbox/phone'));

  // --- for tests and people: users, faults, inboxes -------------------------
  r.post('/users', async (ctx) => {
    const b = ctx.request.body as Partial<SandboxUser>;
    if (!b?.openid || !/^[\w-]{1,64}$/.test(b.openid)) {
      ctx.status = 400;
      ctx.body = { error: { code: 'VALIDATION', message: 'openid: 1–64 letters, digits, _ or -', field: 'openid' } };
      return;
    }
    const u: SandboxUser = { openid: b.openid, nickname: b.nickname ?? b.openid, subscribed: b.subscribed ?? true };
    await app.redis.hset(K.users, u.openid, JSON.stringify(u));
    ctx.status = 201;
    ctx.body = u;
  });

  r.get('/users/:openid/inbox', async (ctx) => {
    ctx.body = { items: (await app.redis.lrange(K.inbox(ctx.params.openid), 0, 199)).map((m) => JSON.parse(m) as InboxMessage) };
  });

  r.post('/faults', async (ctx) => {
    const f = (ctx.request.body ?? {}) as Faults;
    const fields: Record<string, string | number> = {};
    if (f.expireTokens) {
      // Revoke what was issued: each answers 42001 from now on, as after WeChat's 2 hours.
      for await (const keys of scanKeys(app.redis, K.token('*'))) {
        for (const k of keys as string[]) await app.redis.set(k, 'expired', 'KEEPTTL');
      }
    }
    if (f.frequencyLimit !== undefined) fields.frequencyLimit = Math.max(0, Math.floor(f.frequencyLimit));
    if (f.slowMs !== undefined) fields.slowMs = Math.max(0, Math.floor(f.slowMs));
    if (Object.keys(fields).length) await app.redis.hset(K.faults, fields);
    ctx.body = await app.redis.hgetall(K.faults);
  });

  return r;
}

/** An event from WeChat's own account (gh_sandbox), posted to the callback signed like WeChat (plaintext mode). */
async function reportEvent(app: Ctx, origin: string, event: string, fields: Record<string, string | number>) {
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
async function reportDelivery(app: Ctx, origin: string, openid: string, msgid: string) {
  const { token } = app.config.wechat;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(6).toString('hex');
  const body = `<xml><ToUserName>${cdata('gh_sandbox')}</ToUserName><FromUserName>${cdata(openid)}</FromUserName><CreateTime>${timestamp}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event><MsgID>${msgid}</MsgID><Status><![CDATA[success]]></Status></xml>`;
  const q = new URLSearchParams({ timestamp, nonce, signature: sign(token, timestamp, nonce) });
  if (app.config.wechat.aesKey) return; // safe-mode delivery reports are not simulated
  await fetch(`${origin}/wechat/callback?${q}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
}
