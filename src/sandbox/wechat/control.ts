/** The sandbox's own controls, for tests and people: users, inboxes, faults. */
import type Router from '@koa/router';
import type { Ctx } from '../../context.js';
import { scanKeys } from '../../infra/keys.js';
import type { InboxMessage } from '../inbox.js';
import { type Faults, K, type SandboxUser } from './kit.js';

export function controlRoutes(app: Ctx, r: Router) {
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
}
