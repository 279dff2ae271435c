/** 消息管理: template and customer-service messages, as WeChat documents them. */
import type Router from '@koa/router';
import type { Ctx } from '../../context.js';
import { invalidValue } from '../../notify/index.js';
import type { InboxMessage } from '../inbox.js';
import { err, K, type Kit, reportDelivery } from './kit.js';

export function messagesRoutes(app: Ctx, r: Router, k: Kit) {
  const { tokenOk, deliverable } = k;
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
}
