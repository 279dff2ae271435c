/** The deposit on a trip's page: the amount, the pay button (WeChat Pay's sheet, or the sandbox cashier), 确认中 after paying. */

import type { DepositView } from '../../../shared/wire.js';
import { api, say } from '../api.js';
import { dialog, h } from '../dom.js';
import { yuan } from '../fmt.js';

/** Orders this tab came back from the pay sheet with "ok" (sessionStorage): shown as 确认中, never offered to pay again meanwhile. */
export const RETURNED_MS = 10 * 60_000;
export const returnedKey = (no: string) => `paid-returned:${no}`;
export const returnedFrom = (no?: string) =>
  Boolean(no) && Date.now() - Number(sessionStorage.getItem(returnedKey(no!)) ?? 0) < RETURNED_MS;

/**
 * The deposit under the chosen proposal: what it is and, while unpaid, the button that pays it —
 * WeChat's own pay sheet inside WeChat (WeixinJSBridge), the sandbox's cashier sheet elsewhere.
 * Paid is known from the server, never from the sheet's word alone: back from the sheet with "ok",
 * the page says 确认中 and has the server ask WeChat Pay about the order.
 */
export function depositBox(d: DepositView, reload: () => void): HTMLElement {
  const box = h('div', { class: `deposit deposit--${d.status}`, 'data-deposit': d.status }, h('p', {}, d.message));
  if (d.status !== 'pending' && d.state?.line) box.append(h('p', { class: 'deposit__amount' }, d.state.line));
  if (d.status !== 'pending' || !d.payParams || !d.amountFen) return box;
  const amount = yuan(d.amountFen);
  const confirming = () => {
    box.dataset.deposit = 'confirming';
    box.replaceChildren(
      h('p', { class: 'deposit__confirming' }, '支付结果确认中…'),
      h('p', { class: 'sub' }, `定金 ${amount}：正在向微信支付确认，请不要重复支付。`),
    );
  };
  const waitPaid = async () => {
    sessionStorage.setItem(returnedKey(d.outTradeNo!), String(Date.now()));
    confirming();
    const path = `${location.pathname.replace('/h5/my', '/api/traveler')}/deposit/confirm`;
    for (let i = 0; i < 8; i++) {
      const r = await api<{ status: string }>('POST', path, {}).catch(() => null);
      if (r?.status === 'paid') return reload();
      await new Promise((ok) => setTimeout(ok, 2000));
    }
    box.replaceChildren(
      h('p', { class: 'deposit__confirming' }, '支付结果确认中'),
      h('p', { class: 'sub' }, '微信支付还没有确认这笔付款。如果你已经付款，请不要重复支付：确认后会通知你。'),
    );
  };
  if (returnedFrom(d.outTradeNo)) {
    void waitPaid();
    return box;
  }
  const btn = h('button', { class: 'weui-btn weui-btn_primary deposit__pay' }, `支付定金 ${amount}`) as HTMLButtonElement;
  btn.addEventListener('click', () => {
    const bridge = (window as unknown as { WeixinJSBridge?: { invoke(n: string, p: unknown, cb: (r: { err_msg: string }) => void): void } })
      .WeixinJSBridge;
    if (bridge) {
      bridge.invoke('getBrandWCPayRequest', d.payParams, (r) => {
        if (r.err_msg === 'get_brand_wcpay_request:ok') void waitPaid();
      });
    } else if (d.sandbox) cashier(d, amount, waitPaid);
    else void dialog('请在微信中支付', '定金通过微信支付：请在微信里打开这个页面。', '知道了');
  });
  box.append(h('p', { class: 'deposit__amount' }, `定金 ${amount}`), btn);
  return box;
}

/** The sandbox's stand-in for WeChat's pay sheet: amount, merchant, 支付 / 取消 (WeChat Pay notifies the server). */
export function cashier(d: DepositView, amount: string, paid: () => Promise<void>) {
  const pay = h('button', { class: 'weui-btn weui-btn_primary' }, '支付') as HTMLButtonElement;
  const cancel = h('button', { class: 'weui-btn weui-btn_default' }, '取消');
  // The sandbox only: how WeChat Pay's notification comes (now, late, twice, or never: then only a query finds the payment).
  const deliver = h(
    'select',
    { class: 'cashier__deliver', 'aria-label': '支付通知（沙箱）' },
    h('option', { value: 'now' }, '通知：立即'),
    h('option', { value: 'late' }, '通知：延迟 3 秒'),
    h('option', { value: 'twice' }, '通知：发两次'),
    h('option', { value: 'never' }, '通知：不发（靠查询）'),
  ) as HTMLSelectElement;
  const sheet = h(
    'div',
    { class: 'cashier', role: 'dialog', 'aria-label': '微信支付' },
    h(
      'div',
      { class: 'cashier__sheet' },
      h('p', { class: 'cashier__title' }, '微信支付', h('span', { class: 'cashier__sandbox' }, '沙箱')),
      h('p', { class: 'cashier__merchant' }, '定制游抢单 · 定金'),
      h('p', { class: 'cashier__amount' }, amount),
      pay,
      cancel,
      deliver,
    ),
  );
  cancel.addEventListener('click', () => sheet.remove());
  pay.addEventListener('click', async () => {
    pay.classList.add('weui-btn_loading');
    try {
      await api('POST', '/sandbox/pay/cashier', { prepayId: d.payParams!.package.replace('prepay_id=', ''), deliver: deliver.value });
      sheet.remove();
      await paid();
    } catch (err) {
      sheet.remove();
      await dialog('支付没有完成', say(err), '知道了');
    }
  });
  document.body.append(sheet);
}
