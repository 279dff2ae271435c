/** One work order: accept or decline an offer, the proposal form, the contact while the slot is held. */

import type { WorkOrderView as WorkOrder } from '../../../shared/wire.js';
import { ApiError, api, say } from '../api.js';
import { countdown, dialog, h, mount, toast } from '../dom.js';
import { budget, clock, dates, left, party, yuan } from '../fmt.js';
import type { Live } from '../live.js';
import { loadInto } from '../load.js';
import { badgeOf, frame } from './frame.js';
import { notify } from './pool.js';
import { row, rowOf } from './requirement.js';

export function workOrderPage(root: Element, live: Live | null, id: string, wide = false) {
  const body = frame(root, live, 'orders', wide);
  const load = async () => {
    const w = await loadInto<WorkOrder>(
      body,
      `/api/planner/work-orders/${encodeURIComponent(id)}`,
      { title: '找不到这个工单', why: '它可能不属于当前登录的账号。', back: ['/h5/work-orders', '我的工单'] },
      load,
    );
    if (!w) return;
    const q = w.requirement;
    const [label, cls] = w.offer ? OFFER_BADGE : badgeOf(w);
    mount(
      body,
      h('h1', { class: 'page__title' }, q.destinations.join('、'), ' ', h('span', { class: `badge ${cls}` }, label)),
      h(
        'div',
        { class: 'weui-form-preview' },
        h(
          'div',
          { class: 'weui-form-preview__bd' },
          row('编号', q.code),
          row('行程', `${q.origin}出发 · ${dates(q.departDate, q.returnDate)}`),
          row('人数', party(q.adults, q.children)),
          row('预算', budget(q.budgetFen, q.budgetType)),
          w.contact ? rowOf('联系人', `${w.contact.name} `, h('a', { href: `tel:${w.contact.phone}` }, w.contact.phone)) : null,
          w.status === 'active' && !w.offer ? rowOf('方案截止', clock(w.deadlineAt), ' ', countdown(w.deadlineAt)) : null,
        ),
      ),
      q.notes ? h('p', { class: 'notes' }, `用户备注：${q.notes}`) : null,
      w.offer ? offerBox(w, load) : w.status === 'active' ? proposalForm(w, load) : null,
      w.proposal
        ? h(
            'section',
            { class: 'proposal' },
            h('h2', {}, `我的方案 · ${yuan(w.proposal.priceFen)}`),
            h('pre', { class: 'itinerary' }, w.proposal.itinerary),
          )
        : null,
      w.status === 'expired' ? h('p', { class: 'closed' }, '未在截止前提交方案，名额已释放给其他定制师。') : null,
      w.status === 'declined' ? h('p', { class: 'closed' }, '你没有接受这次派单，名额已交还，不计入超时。') : null,
    );
  };
  void load();
  live?.on((e, how) => {
    if (e.data.workOrderId === id) void load();
    notify(e, how);
  });
}

export const OFFER_BADGE: [string, string] = ['系统派单·待接受', 'badge--warn'];

/** A dispatched requirement: what it is, by when to answer, accept or decline (declining asks first). */
export function offerBox(w: WorkOrder, done: () => void): HTMLElement {
  const accept = h('button', { class: 'weui-btn weui-btn_primary', type: 'button', id: 'accept' }, '接受派单');
  const decline = h('button', { class: 'weui-btn weui-btn_default', type: 'button', id: 'decline' }, '拒绝');
  const answer = async (verb: 'accept' | 'decline') => {
    if (verb === 'decline' && !(await dialog('拒绝这个派单？', '名额会重新开放给其他定制师，你将不能再接这个需求。', '拒绝', '再想想')))
      return;
    accept.disabled = decline.disabled = true;
    try {
      await api('POST', `/api/planner/work-orders/${encodeURIComponent(w.id)}/${verb}`);
      toast(verb === 'accept' ? '已接受，请尽快联系用户' : '已拒绝');
      done();
    } catch (err) {
      await dialog('没有成功', say(err), '知道了');
      done();
    }
  };
  accept.addEventListener('click', () => void answer('accept'));
  decline.addEventListener('click', () => void answer('decline'));
  return h(
    'section',
    { class: 'offer' },
    h('h2', {}, '系统派单'),
    h('p', {}, '这个需求在开放期内无人抢单，系统按匹配度派给了你。接受后可看到用户的联系方式，并在截止前提交方案。'),
    h('p', { class: 'offer__by' }, `请在 ${clock(w.offer!.acceptBy)} 前答复（${left(Date.parse(w.offer!.acceptBy))}），逾期未答视为拒绝。`),
    h('div', { class: 'actions' }, accept, decline),
  );
}

export function proposalForm(w: WorkOrder, done: () => void): HTMLElement {
  const itinerary = h('textarea', {
    class: 'weui-textarea',
    name: 'itinerary',
    'aria-label': '行程方案',
    rows: 8,
    maxlength: 20000,
    placeholder: '第1天：…\n第2天：…（至少10个字）',
  });
  const price = h('input', {
    class: 'weui-input',
    name: 'price',
    'aria-label': '价格（元）',
    type: 'number',
    inputmode: 'decimal',
    min: 1,
    step: '0.01',
    placeholder: '方案总价（元）',
  });
  const errs = {
    itinerary: h('div', { class: 'field-error', 'data-for': 'itinerary' }),
    priceFen: h('div', { class: 'field-error', 'data-for': 'priceFen' }),
  };
  const submit = h('button', { class: 'weui-btn weui-btn_primary', type: 'submit' }, '提交方案');
  const form = h(
    'form',
    { class: 'proposal-form', novalidate: true },
    h('div', { class: 'weui-cells__title' }, '行程方案'),
    h('div', { class: 'weui-cells weui-cells_form' }, h('div', { class: 'weui-cell' }, h('div', { class: 'weui-cell__bd' }, itinerary))),
    errs.itinerary,
    h(
      'div',
      { class: 'weui-cells weui-cells_form' },
      h(
        'label',
        { class: 'weui-cell' },
        h('div', { class: 'weui-cell__hd' }, h('span', { class: 'weui-label' }, '价格（元）')),
        h('div', { class: 'weui-cell__bd' }, price),
      ),
    ),
    errs.priceFen,
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const problems: Record<string, string> = {};
    if (itinerary.value.trim().length < 10) problems.itinerary = '行程方案至少写10个字。';
    const yuanValue = Number(price.value);
    if (!price.value || !Number.isFinite(yuanValue) || yuanValue < 1) problems.priceFen = '请填写报价，至少1元。';
    for (const [k, el] of Object.entries(errs)) el.textContent = problems[k] ?? '';
    if (Object.keys(problems).length) return;
    submit.classList.add('weui-btn_loading');
    try {
      await api('POST', `/api/planner/work-orders/${encodeURIComponent(w.id)}/proposal`, {
        itinerary: itinerary.value,
        priceFen: Math.round(yuanValue * 100),
      });
      toast('方案已提交');
      done();
    } catch (err) {
      const f = err instanceof ApiError ? (err.fields ?? (err.field ? { [err.field]: err.message } : {})) : {};
      let shown = false;
      for (const [k, el] of Object.entries(errs))
        if (f[k]) {
          el.textContent = f[k];
          shown = true;
        }
      if (!shown) await dialog('提交失败', say(err), '知道了');
    } finally {
      submit.classList.remove('weui-btn_loading');
    }
  });
  return form;
}

/** A WeChat user who is not yet a planner: type the code from ops to bind. */
