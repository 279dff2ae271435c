/** A requirement's deposit on its page: the orders, what happened to them, each refund, and the refund form while money is held. */
import type { Ctx } from '../../../context.js';
import { yuanText } from '../../../money.js';
import { depositRecord } from '../../../pay/index.js';
import { DEPOSIT_STATUS, PAYMENT_EVENT, PAYMENT_WHO, REFUND_STATUS, wordFor } from '../../../shared/words.js';
import { type Html, html, joined } from '../html.js';
import { apiForm, field, input, table, tag, when, yuan } from '../layout.js';

export async function depositSection(app: Ctx, requirementId: number): Promise<Html | ''> {
  const { orders, refunds, refundableFen: left } = await depositRecord(app, requirementId);
  if (!orders.length) return '';
  const refundForm = left
    ? apiForm(
        'POST',
        `/api/ops/requirements/${requirementId}/refund`,
        html`<div class="inline">${field('退款原因', 'reason', input('reason', '', 'maxlength="200"'))}${field(`金额（元；留空 = 全部可退的 ${yuanText(left)}）`, 'amountYuan', input('amountYuan', '', `inputmode="decimal" placeholder="最多 ${yuanText(left)}"`))}<button class="danger">退款</button></div>`,
        {
          confirm: '向出行人退款 {amount}？\n退款原路退回微信支付，不能撤回。',
          confirmYuan: { field: 'amountYuan', allFen: left },
        },
      )
    : '';
  const orderRows = orders.map((o) => [
    html`<code>${o.outTradeNo}</code>`,
    tag(o.status === 'paid' ? 'done' : o.status === 'pending' ? 'sending' : 'closed', o.state.word || wordFor(DEPOSIT_STATUS, o.status)),
    yuan(o.amountFen),
    o.refundedFen ? yuan(o.refundedFen) : '',
    when(o.paidAt),
    joined(
      o.events.map((e) => `${when(e.at)} ${wordFor(PAYMENT_EVENT, e.what)}（${wordFor(PAYMENT_WHO, e.who)}）`),
      '<br>',
    ),
  ]);
  const refundRows = refunds.map((r) => [
    when(r.createdAt),
    yuanText(r.amountFen),
    r.reason,
    r.requestedBy,
    tag(r.status === 'success' ? 'done' : r.status === 'processing' ? 'sending' : 'flag', wordFor(REFUND_STATUS, r.status)),
  ]);
  return html`<section class="box"><h2>定金</h2>${table(['订单号', '状态', '金额', '已退', '支付时间', '记录'], orderRows)}${
    refunds.length ? html`<h3>退款</h3>${table(['申请时间', '金额', '原因', '申请人', '结果'], refundRows)}` : ''
  }${refundForm}</section>`;
}
