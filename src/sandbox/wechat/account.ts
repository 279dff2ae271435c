/** 自定义菜单 and 账号管理 (temporary QR codes), as WeChat documents them. */
import { randomBytes } from 'node:crypto';
import type Router from '@koa/router';
import type { Ctx } from '../../context.js';
import { err, K, type Kit } from './kit.js';

export function accountRoutes(app: Ctx, r: Router, k: Kit) {
  const { tokenOk } = k;
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
}
