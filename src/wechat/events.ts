/**
 * The callback keeps WeChat's protocol; what an event means belongs to whoever cares about it.
 * WeChat's own events (following, scanning a code, the menu, mass-send reports) are registered here;
 * other capabilities register theirs at boot (notify: TEMPLATESENDJOBFINISH), so the callback
 * imports none of them.
 */
import type { WechatEventHandler, WechatEvents } from '../context.js';
import { recordMassResult } from './mass.js';
import { bindByScene } from './qr.js';
import { HELP, handleText } from './texts.js';
import { forgetUser } from './unfollow.js';

/** Menu buttons (EventKey of CLICK) do what the matching text command does. */
const MENU: Record<string, string> = { POOL: '池', ORDERS: '单', HELP: '帮助' };

export function createWechatEvents(): WechatEvents {
  const handlers = new Map<string, WechatEventHandler>();
  const events: WechatEvents = {
    on(type, handler) {
      if (handlers.has(type)) throw new Error(`WeChat event ${type} already has a handler`);
      handlers.set(type, handler);
    },
    handlerOf: (type) => handlers.get(type),
  };
  events.on('subscribe', async (app, m) => {
    await app.db.planner.updateMany({ where: { openid: m.FromUserName }, data: { unreachableAt: null, unreachableReason: null } });
    // Followed by scanning a parameterised code: EventKey is qrscene_<scene>.
    const scene = m.EventKey?.startsWith('qrscene_') ? m.EventKey.slice('qrscene_'.length) : '';
    const bound = scene ? await bindByScene(app, m.FromUserName, scene) : null;
    return bound ? `欢迎关注定制游抢单！\n${bound}` : `欢迎关注定制游抢单！定制师请回复「绑定 <绑定码>」绑定账号。\n${HELP}`;
  });
  // A follower scanned a parameterised code: EventKey is the scene.
  events.on('SCAN', (app, m) => bindByScene(app, m.FromUserName, m.EventKey ?? ''));
  // Nothing more is sent to them; what the business does not need is dropped (unfollow.ts).
  events.on('unsubscribe', async (app, m) => {
    await forgetUser(app, m.FromUserName);
    return null;
  });
  events.on('VIEW', async () => null); // a menu link: WeChat opens the page itself
  events.on('CLICK', async (app, m) => (MENU[m.EventKey ?? ''] ? handleText(app, m.FromUserName, MENU[m.EventKey!]) : null));
  events.on('MASSSENDJOBFINISH', async (app, m) => {
    await recordMassResult(app, m);
    return null;
  });
  return events;
}
