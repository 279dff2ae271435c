/** 用户管理: user info and tags, as WeChat documents them. */
import type Router from '@koa/router';
import type { Ctx } from '../../context.js';
import { err, K, type Kit } from './kit.js';

export function usersRoutes(app: Ctx, r: Router, k: Kit) {
  const { tokenOk, user } = k;
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
}
