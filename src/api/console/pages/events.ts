/**
 * 事件: events a listener gave up on (live pages, template messages) after its attempts and an hour,
 * with what failed; retry one (it goes to that listener again) or discard it. Retrying or
 * discarding is written in the audit log like every change.
 */
import type Router from '@koa/router';
import { listDeadLetters } from '../../../events/index.js';
import { html } from '../html.js';
import { apiForm, type Console, link, num, table, when } from '../layout.js';

const LISTENERS: Record<string, string> = { live: '实时页面', notifications: '模板消息' };
const STATUS: Record<string, string> = { dead: '待处理', retried: '已重试', discarded: '已丢弃' };
/** Each event in words (its code stays beside it, small, for whoever reads the logs). */
const EVENT: Record<string, string> = {
  released: '按等级放单',
  grabbed: '定制师抢到',
  full: '名额已满',
  flagged: '需要人工处理',
  dispatched: '系统派单',
  expired: '超时未交方案',
  'proposal-due': '方案快到期',
  proposal: '提交了方案',
  chosen: '旅客选定方案',
  paid: '定金已付',
  refund: '退款',
  closed: '需求关闭',
  reopened: '需求重新开放',
  unconfirmed: '抢单待确认',
};

export function events(r: Router, c: Console) {
  r.get('/events', async (ctx) => {
    const rows = await listDeadLetters(c.app);
    const waiting = rows.filter((x) => x.status === 'dead').length;
    const body = rows.map((x) => [
      num(x.id),
      LISTENERS[x.listener] ?? x.listener,
      html`${EVENT[x.type] ?? '其他事件'} <code class="muted">${x.type}</code>`,
      x.requirementId ? link(`/ops/requirements/${x.requirementId}`, `#${x.requirementId}`) : '',
      html`<span class="err">${x.error}</span>`,
      num(x.attempts),
      when(x.firstFailedAt),
      STATUS[x.status],
      x.status === 'dead'
        ? html`<div class="inline">${apiForm('POST', `/api/ops/dead-letters/${x.id}/retry`, html`<button class="small">重试</button>`)}${apiForm(
            'POST',
            `/api/ops/dead-letters/${x.id}/discard`,
            html`<button class="small danger">丢弃</button>`,
            { confirm: `丢弃第 ${x.id} 条事件？它不会再被处理。` },
          )}</div>`
        : `${x.resolvedBy ?? ''} ${when(x.resolvedAt)}`,
    ]);
    await c.page(
      ctx,
      '事件',
      html`<h1>处理失败的事件（${waiting} 条待处理）</h1>
<p class="hint">后台在一个事件上连续失败多次、且超过一小时后，会把它放到这里，不再自动重试，以免一条坏事件挡住后面的事件。查明原因后可以重试（只交给失败的那一方再处理一次）或丢弃。</p>
<section class="box">${table(['编号', '处理方', '事件', '需求', '失败原因', '尝试次数', '首次失败', '状态', ''], body, '没有处理失败的事件。')}</section>`,
      '/ops/events',
    );
  });
}
