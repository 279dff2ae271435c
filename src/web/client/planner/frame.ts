/** The planner's frame: the tab bar (pool, work orders), the live notices, and the words for a work order's status. */

import type { WorkOrderView as WorkOrder } from '../../../shared/wire.js';
import { PLANNER_STATUS } from '../../../shared/words.js';
import { api } from '../api.js';
import { h, mount } from '../dom.js';
import type { Live } from '../live.js';
import { linkBar } from '../notice.js';

const BADGE: Record<WorkOrder['status'], string> = {
  active: 'badge--warn',
  proposed: 'badge--info',
  chosen: 'badge--ok',
  closed: 'badge--off',
  expired: 'badge--off',
  declined: 'badge--off',
};
/** A work order's status as the planner reads it (shared/words.ts), with its badge; closed after a proposal: not chosen. */
export const WO_STATUS = Object.fromEntries(
  (Object.keys(BADGE) as WorkOrder['status'][]).map((s) => [s, [s === 'closed' ? '未被选中' : PLANNER_STATUS[s], BADGE[s]]]),
) as Record<WorkOrder['status'], [string, string]>;

/** A work order's badge: one that ended without the planner's proposal was not "not chosen", it just ended. */
export const badgeOf = (w: Pick<WorkOrder, 'status' | 'proposal'>): [string, string] =>
  w.status === 'closed' && !w.proposal ? ['已结束', 'badge--off'] : WO_STATUS[w.status];

/** Work orders open in the layout the planner is using: the PC workbench, or the phone pages. */
export const woBase = () => (document.body.classList.contains('wide') ? '/pc' : '/h5');

export const subjectText = (i: { subject: string; company: string | null }) =>
  i.subject === 'enterprise' ? `企业 · ${i.company ?? ''}` : '个人';

/** Planner page chrome: the link bar on top, the tab bar below (phone) or the nav (PC). */
export interface Notice {
  id: number;
  title: string;
  body: string;
  url: string;
}

/**
 * Ops broadcasts of today, above the page: those sent before this page opened (GET
 * /api/planner/broadcasts) and those arriving live; each can be put away for this browser.
 */
export function notices(live: Live | null): HTMLElement {
  const box = h('div', { class: 'notices', 'aria-live': 'polite' });
  const seen = new Set<number>();
  const hidden = (id: number) => localStorage.getItem(`notice-hidden-${id}`) === '1';
  const add = (n: Notice, first = false) => {
    if (seen.has(n.id) || hidden(n.id)) return;
    seen.add(n.id);
    const close = h('button', { class: 'notice__close', type: 'button', 'aria-label': '不再显示' }, '×');
    const el = h(
      'div',
      { class: 'notice', 'data-broadcast': String(n.id) },
      h('strong', {}, `【通知】${n.title}`),
      h('span', {}, n.body),
      close,
    );
    close.addEventListener('click', () => {
      localStorage.setItem(`notice-hidden-${n.id}`, '1');
      el.remove();
    });
    if (first) box.prepend(el);
    else box.append(el);
  };
  void api<{ items: Notice[] }>('GET', '/api/planner/broadcasts').then(
    (r) => {
      for (const n of r.items) add(n);
    },
    () => {}, // a banner is a courtesy: the page works without it
  );
  live?.on((e) => {
    if (e.type !== 'broadcast') return;
    const d = e.data as { broadcastId: number; title: string; text: string; url: string };
    add({ id: d.broadcastId, title: d.title, body: d.text, url: d.url }, true);
  });
  return box;
}

export function frame(root: Element, live: Live | null, active: 'pool' | 'orders', wide = false): HTMLElement {
  const body = h('main', { class: 'content' });
  const bar = linkBar();
  live?.onStateChange(bar.update);
  const board = notices(live);
  if (wide) {
    mount(
      root,
      h(
        'header',
        { class: 'pc-nav' },
        h('strong', {}, '定制游抢单 · 工作台'),
        h(
          'nav',
          {},
          h('a', { href: '/pc', class: active === 'pool' ? 'on' : '' }, '抢单池'),
          h('a', { href: '/pc/work-orders', class: active === 'orders' ? 'on' : '' }, '我的工单'),
        ),
        bar.el,
      ),
      board,
      body,
    );
  } else {
    mount(
      root,
      bar.el,
      board,
      body,
      h(
        'nav',
        { class: 'weui-tabbar tabbar' },
        h(
          'a',
          { href: '/h5/pool', class: `weui-tabbar__item ${active === 'pool' ? 'weui-bar__item_on' : ''}` },
          h('span', { class: 'weui-tabbar__icon tabbar__icon tabbar__icon--pool', 'aria-hidden': 'true' }),
          h('p', { class: 'weui-tabbar__label' }, '抢单池'),
        ),
        h(
          'a',
          { href: '/h5/work-orders', class: `weui-tabbar__item ${active === 'orders' ? 'weui-bar__item_on' : ''}` },
          h('span', { class: 'weui-tabbar__icon tabbar__icon tabbar__icon--orders', 'aria-hidden': 'true' }),
          h('p', { class: 'weui-tabbar__label' }, '我的工单'),
        ),
      ),
    );
  }
  return body;
}

/** Grabs in flight, by requirement: a double tap sends one grab and shows one dialog. */
