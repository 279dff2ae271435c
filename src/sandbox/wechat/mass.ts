/** 群发: preview, sendall (by tag) and send (by openids), at most 4 a month per follower, the result reported to the callback. */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Ctx } from '../../context.js';
import { chinaDate } from '../../format.js';
import type { InboxMessage } from '../inbox.js';
import { err, K, type Kit, reportEvent } from './kit.js';

export function massRoutes(app: Ctx, r: Router, k: Kit) {
  const { tokenOk, user, frequencyLimited, deliverable } = k;
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
}
