/** One requirement: what it asks, the grab button, the result or the refusal in words. */

import type { PlannerRequirementView, WorkOrderView as WorkOrder } from '../../../shared/wire.js';
import { h, mount } from '../dom.js';
import { ago, budget, clock, dates, party } from '../fmt.js';
import type { Live } from '../live.js';
import { loadInto } from '../load.js';
import { frame, subjectText, WO_STATUS, woBase } from './frame.js';
import { grab } from './grab.js';
import { notify } from './pool.js';

export function requirementPage(root: Element, live: Live | null, id: number) {
  const body = frame(root, live, 'pool');
  const load = async () => {
    const r = await loadInto<PlannerRequirementView>(
      body,
      `/api/planner/requirements/${id}`,
      { title: '这个需求不在你的抢单池里', why: '可能已被抢满、已关闭，或不在你的服务范围。', back: ['/h5/pool', '回到抢单池'] },
      load,
    );
    if (!r) return;
    const open = r.status === 'open' && r.slotsLeft > 0 && !r.myWorkOrder;
    const state = r.myWorkOrder
      ? h(
          'a',
          { class: 'weui-btn weui-btn_default', href: `${woBase()}/work-orders/${encodeURIComponent(r.myWorkOrder.id)}` },
          `我的工单：${WO_STATUS[r.myWorkOrder.status as WorkOrder['status']]?.[0] ?? r.myWorkOrder.status}`,
        )
      : !open
        ? h('p', { class: 'closed' }, r.status === 'full' || (r.status === 'open' && r.slotsLeft === 0) ? '名额已满' : '需求已结束')
        : r.unavailable
          ? h(
              'button',
              { class: 'weui-btn weui-btn_default', type: 'button', id: 'grab', disabled: true },
              `${r.unavailable.reason}（你所在的供应商已有定制师抢到此单）`,
            )
          : h('button', { class: 'weui-btn weui-btn_primary', type: 'button', id: 'grab' }, `立即抢单（剩 ${r.slotsLeft} 个名额）`);
    mount(
      body,
      h(
        'article',
        { class: 'detail', 'data-req': r.id },
        h('h1', { class: 'page__title' }, r.destinations.join('、'), h('small', {}, `编号 ${r.code}`)),
        h(
          'div',
          { class: 'weui-form-preview' },
          h(
            'div',
            { class: 'weui-form-preview__bd' },
            row('出发地', r.origin),
            row('日期', dates(r.departDate, r.returnDate)),
            row('人数', party(r.adults, r.children)),
            row('预算', budget(r.budgetFen, r.budgetType)),
            row('类型', subjectText(r)),
            row('名额', `剩 ${r.slotsLeft}/${r.wanted}`, 'slots'),
            r.releasedToMe ? row('开放给你', `${clock(r.releasedToMe)}（${ago(Date.parse(r.releasedToMe))}）`) : null,
            r.contact ? rowOf('联系人', `${r.contact.name} `, h('a', { href: `tel:${r.contact.phone}` }, r.contact.phone)) : null,
          ),
        ),
        r.notes ? h('p', { class: 'notes' }, `用户备注：${r.notes}`) : null,
        h('div', { class: 'card__result', 'aria-live': 'polite' }),
        h('div', { class: 'actions' }, state),
      ),
    );
    const btn = body.querySelector<HTMLButtonElement>('#grab');
    // Won or refused, what the page shows changed: read it again (a refusal means it was stale).
    btn?.addEventListener('click', () => void grab(id, 'h5', btn, () => void load()));
  };
  void load();
  live?.on((e, how) => {
    if (e.data.requirementId === id && (e.type === 'slots' || e.type === 'gone' || e.type === 'reopened' || e.type === 'won')) void load();
    notify(e, how);
  });
}

export function row(label: string, value: string, key?: string) {
  return h(
    'div',
    { class: 'weui-form-preview__item' },
    h('label', { class: 'weui-form-preview__label' }, label),
    h('span', { class: 'weui-form-preview__value', ...(key ? { 'data-key': key } : {}) }, value),
  );
}

/** A row whose value is several parts (text and live elements such as a countdown). */
export function rowOf(label: string, ...value: (string | HTMLElement)[]) {
  return h(
    'div',
    { class: 'weui-form-preview__item' },
    h('label', { class: 'weui-form-preview__label' }, label),
    h('span', { class: 'weui-form-preview__value' }, ...value),
  );
}

/** My work orders, newest first, with the time left to propose. */
