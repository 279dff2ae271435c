/** The pages' one entry point: which page this is, who is signed in, then that page. */

import type { PageName } from '../../shared/pages.js';
import { h, mount } from './dom.js';
import { Live } from './live.js';
import { bindPage, poolPage, requirementPage, workOrderPage, workOrdersPage } from './planner/index.js';
import { myDataPage, myListPage, myRequirementPage, tripForm } from './traveler/index.js';

// WeChat's OAuth URL ends in #wechat_redirect, and a browser keeps a fragment across redirects that
// set none: it would stay on every page's address (and in every link copied from it).
if (location.hash === '#wechat_redirect') history.replaceState(null, '', location.pathname + location.search);

const root = document.getElementById('app')!;
const { page, user } = document.body.dataset;
const params = JSON.parse(document.body.dataset.params ?? '{}') as Record<string, string>;

/** Pages with live updates share one connection per browser and user (see live.ts). */
function live(): Live | null {
  if (!user || typeof BroadcastChannel === 'undefined' || typeof EventSource === 'undefined') return null;
  const l = new Live(user);
  l.start();
  return l;
}

const wide = (draw: () => void) => () => {
  document.body.classList.add('wide');
  draw();
};

function wrongRole() {
  mount(
    root,
    h(
      'main',
      { class: 'content weui-msg' },
      h('div', { class: 'weui-msg__icon-area' }, h('i', { class: 'weui-icon-info weui-icon_msg' })),
      h(
        'div',
        { class: 'weui-msg__text-area' },
        h('h2', { class: 'weui-msg__title' }, '这个页面不属于你的账号'),
        h('p', { class: 'weui-msg__desc' }, params.need === 'planner' ? '这里是定制师的页面。' : '这里是旅行用户的页面。'),
      ),
      h('div', { class: 'actions' }, h('a', { class: 'weui-btn weui-btn_primary', href: params.home || '/' }, '回到我的首页')),
    ),
  );
}

/** A renderer for every page of the shared table (src/shared/pages.ts): a page without one does not compile. */
const RENDER: Record<PageName, () => void> = {
  pool: () => poolPage(root, live(), false),
  pc: wide(() => poolPage(root, live(), true)),
  requirement: () => requirementPage(root, live(), Number(params.id)),
  'work-orders': () => workOrdersPage(root, live()),
  'work-order': () => workOrderPage(root, live(), params.id),
  'pc-work-orders': wide(() => workOrdersPage(root, live(), true)),
  'pc-work-order': wide(() => workOrderPage(root, live(), params.id, true)),
  trip: () => tripForm(root),
  'my-list': () => myListPage(root),
  'my-requirement': () => myRequirementPage(root, live(), Number(params.id)),
  'my-data': () => myDataPage(root),
  bind: () => bindPage(root, params.next || '/h5/pool'),
  'wrong-role': wrongRole,
};

const draw = page && Object.hasOwn(RENDER, page) ? RENDER[page as PageName] : null;
if (draw) draw();
else mount(root, h('p', { class: 'state' }, '页面不存在'));
