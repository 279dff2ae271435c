/** The pages' one entry point: which page this is, who is signed in, then that page. */
import { h, mount } from './dom.js';
import { Live } from './live.js';
import { bindPage, poolPage, requirementPage, workOrderPage, workOrdersPage } from './planner/index.js';
import { myListPage, myRequirementPage, tripForm } from './traveler/index.js';

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

switch (page) {
  case 'pool':
    poolPage(root, live(), false);
    break;
  case 'pc':
    document.body.classList.add('wide');
    poolPage(root, live(), true);
    break;
  case 'requirement':
    requirementPage(root, live(), Number(params.id));
    break;
  case 'work-orders':
    workOrdersPage(root, live());
    break;
  case 'work-order':
    workOrderPage(root, live(), params.id);
    break;
  case 'pc-work-orders':
    document.body.classList.add('wide');
    workOrdersPage(root, live(), true);
    break;
  case 'pc-work-order':
    document.body.classList.add('wide');
    workOrderPage(root, live(), params.id, true);
    break;
  case 'trip':
    tripForm(root);
    break;
  case 'my-list':
    myListPage(root);
    break;
  case 'my-requirement':
    myRequirementPage(root, live(), Number(params.id));
    break;
  case 'bind':
    bindPage(root, params.next || '/h5/pool');
    break;
  case 'wrong-role':
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
    break;
  default:
    mount(root, h('p', { class: 'state' }, '页面不存在'));
}
