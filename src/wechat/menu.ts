/**
 * The official account's custom menu, published from code (with server mode on, a menu made in
 * WeChat's console stops working): 抢单池 and 我的工单 open the planner's pages, 帮助 answers in
 * the chat (a CLICK event with key HELP, as the text command 帮助).
 */
import type { Ctx } from '../context.js';

export interface MenuButton {
  type: 'view' | 'click';
  name: string;
  url?: string;
  key?: string;
}

export function menuButtons(publicUrl: string): MenuButton[] {
  const base = publicUrl.replace(/\/$/, '');
  return [
    { type: 'view', name: '抢单池', url: `${base}/h5/pool` },
    { type: 'view', name: '我的工单', url: `${base}/h5/work-orders` },
    { type: 'click', name: '帮助', key: 'HELP' },
  ];
}

export async function publishMenu(app: Ctx): Promise<MenuButton[]> {
  const button = menuButtons(app.config.PUBLIC_URL);
  await app.wechat.call('menu/create', { button });
  app.log.info({ buttons: button.map((b) => b.name) }, 'custom menu published');
  return button;
}
