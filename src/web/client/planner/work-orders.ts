/** The planner's work orders, with their deadlines and offers. */

import type { WorkOrderView as WorkOrder } from '../../../shared/wire.js';
import { api, say } from '../api.js';
import { countdown, empty, failed, h, loading, mount } from '../dom.js';
import { dates, party, yuan } from '../fmt.js';
import type { Live } from '../live.js';
import { badgeOf, frame } from './frame.js';
import { notify } from './pool.js';
import { OFFER_BADGE } from './work-order.js';

export function workOrdersPage(root: Element, live: Live | null, wide = false) {
  const body = frame(root, live, 'orders', wide);
  const load = async (first = false) => {
    if (first) mount(body, loading());
    try {
      const { items } = await api<{ items: WorkOrder[] }>('GET', '/api/planner/work-orders');
      mount(
        body,
        h('h1', { class: 'page__title' }, '我的工单'),
        items.length === 0
          ? empty(
              '还没有工单',
              '在抢单池抢到需求后，工单会出现在这里。',
              h('a', { class: 'weui-btn weui-btn_primary weui-btn_mini', href: '/h5/pool' }, '去抢单池'),
            )
          : h(
              'div',
              { class: 'weui-cells' },
              items.map((w) => {
                const [label, cls] = w.offer ? OFFER_BADGE : badgeOf(w);
                return h(
                  'a',
                  {
                    class: 'weui-cell weui-cell_access',
                    href: `${wide ? '/pc' : '/h5'}/work-orders/${encodeURIComponent(w.id)}`,
                    'data-wo': w.id,
                  },
                  h(
                    'div',
                    { class: 'weui-cell__bd' },
                    h(
                      'p',
                      {},
                      w.requirement.destinations.join('、'),
                      ' ',
                      h('span', { class: `badge ${cls}` }, label),
                      w.channel === 'dispatch' && !w.offer ? ' ' : null,
                      w.channel === 'dispatch' && !w.offer ? h('span', { class: 'badge badge--off' }, '系统派单') : null,
                    ),
                    h(
                      'p',
                      { class: 'sub' },
                      `${dates(w.requirement.departDate, w.requirement.returnDate)} · ${party(w.requirement.adults, w.requirement.children)}`,
                    ),
                  ),
                  h(
                    'div',
                    { class: 'weui-cell__ft' },
                    w.offer
                      ? countdown(w.offer.acceptBy, '答复')
                      : w.status === 'active'
                        ? countdown(w.deadlineAt)
                        : w.proposal
                          ? yuan(w.proposal.priceFen)
                          : '',
                  ),
                );
              }),
            ),
      );
    } catch (err) {
      if (first)
        mount(
          body,
          failed(say(err), () => void load(true)),
        );
    }
  };
  void load(true);
  live?.on((e, how) => {
    if (e.type === 'won' || e.type === 'offered' || e.type === 'work-order') void load();
    notify(e, how);
  });
}

/** One work order: the trip, the contact, and the proposal form (itinerary, price) while it is due. */
