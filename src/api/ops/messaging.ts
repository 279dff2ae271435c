/** Messaging: resuming paused template messages, the official account's menu, broadcasts. */
import type Router from '@koa/router';
import type { Ctx } from '../../context.js';
import { DomainError } from '../../errors.js';
import { parse } from '../../http/body.js';
import { resumeNotify } from '../../notify/index.js';
import {
  audienceSummary,
  broadcastView,
  cancelBroadcast,
  createBroadcast,
  listBroadcasts,
  previewBroadcast,
  sendBroadcast,
} from '../../ops/index.js';
import { publishMenu } from '../../wechat/index.js';
import { actorName, id } from './audit.js';
import { audienceInput, broadcastInput, previewInput } from './schemas.js';

export function messagingRoutes(app: Ctx, r: Router) {
  /** Template messages paused by 45009 (the day's quota): resume now (after clearing the quota in WeChat's console). */
  r.post('/notify/resume', async (ctx) => {
    await resumeNotify(app, app.queue.opts.connection as never);
    ctx.body = { paused: false };
  });

  /** Publishes the official account's custom menu (as npm run wechat:menu). */
  r.post('/wechat/menu', async (ctx) => {
    ctx.body = {
      button: await publishMenu(app).catch((err: Error) => {
        throw new DomainError('WECHAT_REFUSED', { message: `微信没有接受菜单：${err.message.slice(0, 100)}` });
      }),
    };
  });

  // ── broadcasts (CONTRACT) ──
  r.get('/broadcasts', async (ctx) => {
    ctx.body = { items: await listBroadcasts(app) };
  });

  /** Who an audience reaches, before composing (the console shows it as you choose). */
  r.post('/broadcasts/audience', async (ctx) => {
    ctx.body = await audienceSummary(app, parse(audienceInput, ctx.request.body));
    ctx.state.audited = true; // a read, made with POST for its body
  });

  r.post('/broadcasts', async (ctx) => {
    const view = await createBroadcast(app, parse(broadcastInput, ctx.request.body), await actorName(app, ctx));
    ctx.status = 201;
    ctx.body = view;
  });

  r.get('/broadcasts/:id', async (ctx) => {
    ctx.body = await broadcastView(app, id(ctx.params.id));
  });

  r.post('/broadcasts/:id/preview', async (ctx) => {
    ctx.body = await previewBroadcast(app, id(ctx.params.id), parse(previewInput, ctx.request.body));
  });

  r.post('/broadcasts/:id/send', async (ctx) => {
    ctx.body = await sendBroadcast(app, id(ctx.params.id));
  });

  r.post('/broadcasts/:id/cancel', async (ctx) => {
    ctx.body = await cancelBroadcast(app, id(ctx.params.id));
  });
}
