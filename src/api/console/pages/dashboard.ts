/** 看板: today's figures, what is due, what needs a person, and the charts (filled and refreshed by the console script from /api/ops/stats/…). */
import type Router from '@koa/router';
import { html } from '../html.js';
import { apiForm, type Console, stat } from '../layout.js';

export function dashboard(r: Router, c: Console) {
  r.get('/', async (ctx) => {
    const live = (k: string, label: string) => stat(label, '—', k);
    await c.page(
      ctx,
      '看板',
      html`<div id="dashboard"><h1>看板 <span class="muted updated" data-k="updated"></span></h1>
<section class="box err" id="notify-paused" hidden><b>模板消息已暂停：</b>微信今日的模板消息额度已用完（45009），<span data-k="pausedUntil"></span> 自动恢复；未发出的消息在排队，不会丢。若已在公众平台清零额度，可${apiForm('POST', '/api/ops/notify/resume', html`<button class="small">立即恢复发送</button>`, { cls: 'inline' })}</section>
<div class="grid g5">${live('newRequirements', '今日新需求')}${live('fillRate', '今日名额填充率')}${live('firstS', 'S 级首抢用时（中位）')}${live('firstA', 'A 级首抢用时（中位）')}${live('longTail', '长尾供应商抢到的比例')}</div>
<div class="grid g2 mt"><section class="box"><h2>6 小时内到期、还没交方案</h2><div id="due" class="muted">加载中…</div></section>
<section class="box"><h2>需要人工处理</h2><div id="flagged" class="muted">加载中…</div></section></div>
<section class="box"><h2 class="h-flex">需求漏斗（每天）<span class="range push-right"><button class="quiet small on" data-days="14">近 14 天</button><button class="quiet small" data-days="30">近 30 天</button></span></h2><div id="chart-funnel" class="chart"></div><p class="muted" id="funnel-total"></p></section>
<div class="grid g2"><section class="box"><h2>首抢用时（中位数，秒，按等级）</h2><div id="chart-first" class="chart"></div></section>
<section class="box"><h2>抢到的名额：长尾供应商 vs 其他</h2><div id="chart-longtail" class="chart"></div><p class="muted">长尾供应商：在岗定制师不超过 3 人的供应商。</p></section></div></div>`,
      '/ops',
    );
  });
}
