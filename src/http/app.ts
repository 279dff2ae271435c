/** The Koa application: error rendering, body parsing with a size limit, health, and each capability's routes. */
import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Ctx } from '../context.js';
import { errors } from './errors.js';
import { opsRoutes } from '../ops/routes.js';
import { plannerRoutes } from '../planner/routes.js';
import { wechatRoutes } from '../wechat/callback.js';
import { sandboxApi } from '../sandbox/api.js';
import { sandboxPhone } from '../sandbox/phone.js';
import { oauthRoutes } from '../wechat/oauth.js';
import { bindRoutes } from '../wechat/bind.js';

export function createApp(app: Ctx): Koa {
  const koa = new Koa({ proxy: app.config.TRUST_PROXY });
  koa.use(errors(app.log));
  koa.use(bodyParser({ enableTypes: ['json'], jsonLimit: '64kb', encoding: 'utf-8' }));

  const health = new Router();
  health.get('/healthz', async (ctx) => {
    const [redis, db] = await Promise.all([
      app.redis.ping().then(() => true, () => false),
      app.db.$queryRaw`SELECT 1`.then(() => true, () => false),
    ]);
    ctx.status = redis && db ? 200 : 503;
    ctx.body = { ok: redis && db, redis, database: db };
  });

  // WeChat's OAuth page lives on open.weixin.qq.com; in the sandbox, beside the rest of its API.
  const authorizeBase = () => (app.config.sandbox ? app.wechatApiBase() : 'https://open.weixin.qq.com');
  const routers = [health, wechatRoutes(app), oauthRoutes(app, app.wechatApiBase, authorizeBase), bindRoutes(app), opsRoutes(app), plannerRoutes(app), ...(app.config.sandbox ? [sandboxApi(app), sandboxPhone(app)] : [])];
  for (const r of routers) koa.use(r.routes()).use(r.allowedMethods());
  return koa;
}
