/** My trips: each with its status in words and what happens next. */
import type { TripListItem } from '../../../shared/wire.js';
import { api, say } from '../api.js';
import { empty, failed, h, loading, mount } from '../dom.js';
import { dates } from '../fmt.js';
import { phoneProof } from './phone.js';
import { tripWord } from './words.js';

export function myListPage(root: Element) {
  const body = h('main', { class: 'content' });
  mount(root, body);
  const load = async () => {
    mount(body, loading());
    try {
      const { items } = await api<{ items: TripListItem[] }>('GET', '/api/traveler/requirements');
      const newBtn = h('a', { class: 'weui-btn weui-btn_primary', href: '/h5/trip' }, '提交新需求');
      mount(
        body,
        h('h1', { class: 'page__title' }, '我的定制'),
        items.length === 0
          ? empty('还没有定制需求', '告诉我们你想去哪，专业定制师会为你设计方案。', newBtn)
          : [
              h(
                'div',
                { class: 'weui-cells' },
                items.map((q) =>
                  h(
                    'a',
                    { class: 'weui-cell weui-cell_access', href: `/h5/my/requirements/${q.id}` },
                    h(
                      'div',
                      { class: 'weui-cell__bd' },
                      h('p', {}, q.destinations.join('、')),
                      h('p', { class: 'sub' }, `${dates(q.departDate, q.returnDate)} · ${q.proposals} 份方案`),
                    ),
                    h('div', { class: 'weui-cell__ft' }, tripWord(q)),
                  ),
                ),
              ),
              h('div', { class: 'actions' }, newBtn),
            ],
        h('p', { class: 'weui-footer' }, h('a', { href: '/h5/my/data' }, '我的数据与账号')),
        phoneProof(load),
      );
    } catch (err) {
      mount(body, failed(say(err), load));
    }
  };
  void load();
}

/**
 * Proving a phone by SMS: only then do the trips ops entered for that number join this WeChat
 * user's (a typed number alone links nothing). Errors go under their field.
 */
