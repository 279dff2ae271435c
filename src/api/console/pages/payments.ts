/** 收款: orders and money by day over a period, and what disagrees with WeChat Pay when asked to check. */
import type Router from '@koa/router';
import { chinaDate } from '../../../format.js';
import { paymentsReport } from '../../../pay/index.js';
import { DEPOSIT_STATUS, wordFor } from '../../../shared/words.js';
import { html } from '../html.js';
import { type Console, field, input, link, table, yuan } from '../layout.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function payments(r: Router, c: Console) {
  r.get('/payments', async (ctx) => {
    const now = c.app.now();
    const q = ctx.query as Record<string, string>;
    const from = DAY.test(q.from ?? '') ? q.from : chinaDate(now - 29 * 86_400_000);
    const to = DAY.test(q.to ?? '') ? q.to : chinaDate(now);
    const checked = q.check === '1';
    const rep = await paymentsReport(c.app, from, to, checked);
    const byState = Object.entries(rep.byState).map(([k, v]) => [wordFor(DEPOSIT_STATUS, k), String(v.count), yuan(v.amountFen)]);
    const byDay = rep.paidByDay.map((d) => [d.day, String(d.paid), yuan(d.paidFen), d.refundedFen ? yuan(d.refundedFen) : '']);
    const disagreements = rep.disagreements.map((d) => [
      html`<code>${d.outTradeNo}</code>`,
      link(`/ops/requirements/${d.requirementId}`, `#${d.requirementId}`),
      d.ours,
      d.theirs,
      d.what,
    ]);
    const stuck = rep.stuckRefunds.map((x) => [
      html`<code>${x.outRefundNo}</code>`,
      html`<code>${x.outTradeNo}</code>`,
      yuan(x.amountFen),
      x.status,
    ]);
    await c.page(
      ctx,
      '收款',
      html`<h1>收款与对账</h1><form class="filters box" method="get">${field('从', 'from', input('from', from, 'type="date"'))}${field('到', 'to', input('to', to, 'type="date"'))}<input type="hidden" name="check" value="1"><button>查询并与微信支付对账</button></form>
<div class="grid g2"><section class="box"><h2>订单（${rep.orders}）</h2>${table(['状态', '笔数', '金额'], byState, '这段时间没有订单。')}</section>
<section class="box"><h2>每日收款</h2>${table(['日期', '笔数', '收款', '已退'], byDay, '没有收款。')}</section></div>
<section class="box"><h2>与微信支付不一致的${checked ? `（已核对 ${rep.checked} 笔）` : '（点上面的按钮核对）'}</h2>${table(['订单号', '需求', '我们', '微信支付', '问题'], disagreements, checked ? '全部一致。' : '尚未核对。')}${
        rep.stuckRefunds.length ? html`<h3>未完成的退款</h3>${table(['退款单号', '订单号', '金额', '状态'], stuck)}` : ''
      }</section>`,
      '/ops/payments',
    );
  });
}
