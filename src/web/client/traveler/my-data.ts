/**
 * 我的数据: everything kept about this WeChat account, in the traveler's words — the account, each
 * trip as submitted (contact, notes), who worked on it, the money — with the rules it is kept under,
 * a download of all of it, and deleting the account (typed confirmation; records stay without the
 * personal fields, open trips close).
 */
import type { PersonalDataView } from '../../../shared/wire.js';
import { TRIP_STATUS } from '../../../shared/words.js';
import { ApiError, api, say } from '../api.js';
import { dialog, failed, h, loading, mount } from '../dom.js';
import { party, yuan } from '../fmt.js';
import { cell, input } from './words.js';

/** A guest with nothing kept yet gets the rules and no account. */
type MyData = Omit<PersonalDataView, 'traveler'> & { traveler: PersonalDataView['traveler'] | null };
type Trip = MyData['trips'][number];

const row = (label: string, value: string) =>
  h('div', { class: 'weui-cell' }, h('div', { class: 'weui-cell__bd' }, label), h('div', { class: 'weui-cell__ft' }, value));

function tripBox(t: Trip) {
  return h(
    'div',
    { class: 'weui-cells', 'data-trip': t.id },
    row('需求', `${t.origin} → ${t.destinations.join('、')}（${t.code}）`),
    row('日期', `${t.departDate.slice(0, 10)} 至 ${t.returnDate.slice(0, 10)}，${party(t.adults, t.children)}`),
    row('预算', yuan(t.budgetFen)),
    row('联系人', t.anonymisedAt ? '已匿名化' : `${t.contactName} ${t.contactPhone}`),
    t.company ? row('公司', t.company) : null,
    t.notes ? row('备注', t.notes) : null,
    row('状态', TRIP_STATUS[t.status] ?? t.status),
    t.planners.length
      ? row(
          '定制师',
          t.planners.map((p) => `${p.planner}（${p.supplier}）${p.proposal ? ` 方案 ${yuan(p.proposal.priceFen)}` : ''}`).join('；'),
        )
      : null,
    ...t.deposits.map((d) => row('定金', `${yuan(d.amountFen)}${d.refundedFen ? `，已退 ${yuan(d.refundedFen)}` : ''}`)),
  );
}

export function myDataPage(root: Element) {
  const body = h('main', { class: 'content my-data' });
  mount(root, body);
  const load = async () => {
    mount(body, loading());
    try {
      const d = await api<MyData>('GET', '/api/traveler/me/data');
      mount(
        body,
        h('h1', { class: 'page__title' }, '我的数据'),
        h('div', { class: 'weui-cells__title' }, '我们如何保存你的信息'),
        h(
          'div',
          { class: 'weui-cells__tips policy' },
          d.policy.map((p) => h('p', {}, p)),
        ),
        d.traveler
          ? [
              h('div', { class: 'weui-cells__title' }, '账号'),
              h(
                'div',
                { class: 'weui-cells' },
                row('姓名', d.traveler.name),
                row('手机号', d.traveler.phone ? `${d.traveler.phone}${d.traveler.phoneVerified ? '（已验证）' : ''}` : '—'),
                row('微信', d.traveler.wechatBound ? '已绑定本微信' : '—'),
                row('收到的通知', `${d.messagesToYou} 条`),
              ),
              h('div', { class: 'weui-cells__title' }, `我的需求（${d.trips.length}）`),
              d.trips.map(tripBox),
              h(
                'div',
                { class: 'actions' },
                h('a', { class: 'weui-btn weui-btn_default', href: '/api/traveler/me/data?download=1', download: '' }, '下载全部数据'),
              ),
              deletion(body),
            ]
          : h('div', { class: 'weui-cells__tips' }, '你还没有提交过需求，我们没有保存你的个人信息。'),
      );
    } catch (err) {
      mount(body, failed(say(err), load));
    }
  };
  void load();
}

/** Deleting the account: type 注销, confirm once more, then a page that says what happened. */
function deletion(body: HTMLElement) {
  const confirmInput = input('confirm', { placeholder: '输入“注销”两个字', autocomplete: 'off' });
  const box = cell('confirm', '确认', confirmInput);
  const error = box.querySelector<HTMLElement>('.field-error')!;
  const button = h('button', { type: 'button', class: 'weui-btn weui-btn_warn' }, '注销账号');
  button.addEventListener('click', async () => {
    error.textContent = '';
    if (confirmInput.value.trim() !== '注销') {
      error.textContent = '请输入“注销”两个字确认。';
      return;
    }
    const sure = await dialog(
      '注销账号',
      '注销后无法恢复：还在抢单中的需求会关闭，你的姓名、手机号、备注会被删除，交易记录会保留但不再带有你的信息。',
      '确定注销',
      '再想想',
    );
    if (!sure) return;
    button.disabled = true;
    try {
      const r = await api<{ erased: boolean; closed: number[]; kept: number }>('POST', '/api/traveler/me/delete', { confirm: '注销' });
      mount(
        body,
        h(
          'div',
          { class: 'weui-msg' },
          h('div', { class: 'weui-msg__icon-area' }, h('i', { class: 'weui-icon-success weui-icon_msg' })),
          h(
            'div',
            { class: 'weui-msg__text-area' },
            h('h2', { class: 'weui-msg__title' }, '账号已注销'),
            h(
              'p',
              { class: 'weui-msg__desc' },
              `你的个人信息已删除。${r.closed.length ? `关闭了 ${r.closed.length} 个还在进行的需求。` : ''}${r.kept ? `${r.kept} 条需求的交易记录保留，但不再带有你的信息。` : ''}`,
            ),
          ),
        ),
      );
    } catch (err) {
      button.disabled = false;
      if (err instanceof ApiError && err.fields?.confirm) error.textContent = err.fields.confirm;
      else error.textContent = say(err);
    }
  });
  return [
    h('div', { class: 'weui-cells__title' }, '注销账号'),
    h('div', { class: 'weui-cells weui-cells_form' }, box),
    h('div', { class: 'actions' }, button),
  ];
}
