/** 需求: the list with its filters, and one requirement's page (what it asks, actions, candidates, work orders, attempts, messages, timeline). */
import type Router from '@koa/router';
import { TIERS } from '../../../config.js';
import { partyWords } from '../../../format.js';
import { idParam, parse } from '../../../http/body.js';
import { depositState } from '../../../money.js';
import { listRequirements, REQUIREMENT_STATUSES, requirementTimeline } from '../../../ops/index.js';
import { CHANNEL, STATUS } from '../../../shared/words.js';
import { requirementQuery } from '../../ops-inputs.js';
import { html, joined } from '../html.js';
import { apiForm, type Console, field, input, link, list, num, pager, select, table, tag, when, yuan } from '../layout.js';
import { attemptWords, withCode } from '../words.js';
import { depositSection } from './deposit.js';
import { queryProblem } from './query.js';

export const TIER_OPTIONS: [string, string][] = TIERS.map((t) => [t, `${t} 级`]);
const flag = html` <span class="tag flag">需人工</span>`;

export function requirements(r: Router, c: Console) {
  r.get('/requirements', async (ctx) => {
    const { result, problem } = await queryProblem(() => listRequirements(c.app, parse(requirementQuery, ctx.query)));
    const q = ctx.query as Record<string, string>;
    const filters = html`<form class="filters box" method="get">
${field('状态', 'status', select('status', [['', '全部'], ...REQUIREMENT_STATUSES.map((s): [string, string] => [s, STATUS[s]])], q.status))}
${field('目的地', 'destination', input('destination', q.destination, 'placeholder="如：京都"'))}
${field('提交自', 'from', input('from', q.from, 'type="date"'))}${field('提交至', 'to', input('to', q.to, 'type="date"'))}
${field('已开放到', 'tier', select('tier', [['', '不限'], ...TIER_OPTIONS], q.tier))}
${field(
  '人工处理',
  'flagged',
  select(
    'flagged',
    [
      ['', '不限'],
      ['true', '需要'],
      ['false', '不需要'],
    ],
    q.flagged,
  ),
)}
${field('编号/出行人/手机', 'q', input('q', q.q, 'placeholder="编号、姓名开头或手机号（开头几位）"'))}<button type="submit">筛选</button> <a href="/ops/requirements">清除</a></form>`;
    const rows = (result?.items ?? []).map((x) => [
      link(`/ops/requirements/${x.id}`, x.code),
      html`${tag(x.status)}${x.flagged ? flag : ''}`,
      x.traveler,
      list(x.destinations),
      x.departDate,
      yuan(x.budgetFen),
      num(`${x.held} / ${x.plannersWanted}`),
      x.tierReached ?? '未开放',
      num(x.candidates),
      when(x.createdAt),
    ]);
    await c.page(
      ctx,
      '需求',
      html`<h1>需求</h1>${filters}${problem}<section class="box">${table(['编号', '状态', '出行人', '目的地', '出发', '预算', '已接/名额', '开放到', '候选', '提交时间'], rows, '没有符合条件的需求。')}${result ? pager(ctx, result.page, result.perPage, result.total, result.more) : ''}</section>`,
      '/ops/requirements',
    );
  });

  r.get('/requirements/:id', async (ctx) => {
    const id = idParam(ctx.params.id);
    const t = id ? await requirementTimeline(c.app, id).catch(() => null) : null;
    if (!t) return c.notFound(ctx, '没有这个需求。', '/ops/requirements');
    const running = t.status === 'open' || t.status === 'full';
    const actions = running
      ? apiForm(
          'POST',
          `/api/ops/requirements/${t.id}/close`,
          html`<div class="inline">${field('关闭原因（出行人和定制师不会看到）', 'reason', input('reason', '', 'maxlength="200" placeholder="如：客户电话确认不出行了"'))}<button class="danger">关闭需求</button></div>`,
          { confirm: '关闭后定制师不能再抢，进行中的工单也会结束。确定关闭？' },
        )
      : t.status === 'closed'
        ? html`<p>已关闭：${t.closedReason ?? ''}</p>${apiForm('POST', `/api/ops/requirements/${t.id}/reopen`, html`<button>重新开放</button>`, { confirm: '重新开放后，候选定制师可以再次抢单。确定？' })}`
        : html`<p class="muted">这个需求已结束，不能再操作。</p>`;
    const candidates = t.candidates.map((x) => [
      link(`/ops/planners/${x.plannerId}`, x.name),
      x.supplier,
      x.tier,
      num(x.score.toFixed(2)),
      x.status === 'active' ? '' : tag(x.status),
      x.holds
        ? html`<span class="muted">已接单</span>`
        : x.colleagueHolds
          ? html`<span class="muted" title="同一供应商只能有一位定制师接这个需求">同供应商已有人接单</span>`
          : running
            ? apiForm(
                'POST',
                `/api/ops/requirements/${t.id}/dispatch`,
                html`<input type="hidden" name="plannerId" value="${x.plannerId}" data-type="number"><button class="small">派单给 ${x.name}</button>`,
                { confirm: `把需求 ${t.code} 派给 ${x.name}？抢单规则照常适用（同供应商只能一人、名额上限等）。` },
              )
            : '',
    ]);
    const workOrders = t.workOrders.map((w) => [
      link(`/ops/planners/${w.plannerId}`, w.planner),
      CHANNEL[w.channel] ?? w.channel,
      w.offerUntil ? tag('offered') : tag(w.status),
      when(w.grabbedAt),
      w.offerUntil ? `${when(w.offerUntil)} 前答复派单` : when(w.deadlineAt),
      when(w.proposedAt),
      w.proposal ? yuan(w.proposal.priceFen) : '',
    ]);
    // The deposit's own word in the header once it is paid (part refunded, refunded…), as the traveler's pages say it.
    const deposit = await c.app.db.deposit.findFirst({
      where: { requirementId: t.id, status: { not: 'closed' } },
      orderBy: { createdAt: 'desc' },
    });
    const messages = t.messages.map((m) => [m.title, m.to, tag(m.state), m.error ?? '', when(m.createdAt), when(m.deliveredAt)]);
    const attempts = t.attempts.map((a) => [withCode(attemptWords(a.code), a.code), num(a.count), when(a.first)]);
    const verified = t.traveler.verified ? html` <span class="tag">已验证</span>` : '';
    const accountPhone = t.traveler.samePhone ? '' : html` <span class="muted">（账号现用 ${t.traveler.phone}）</span>`;
    // The number is masked; showing it in full is recorded (who, when), and so is exporting or erasing the person's data.
    const reveal = t.contact.phone
      ? apiForm(
          'POST',
          `/api/ops/requirements/${t.id}/contact`,
          html`<button class="small quiet">显示完整号码</button><span class="form-ok ok" hidden></span>`,
          {
            next: 'reveal',
            cls: 'inline',
          },
        )
      : '';
    const person = t.traveler.erasedAt
      ? html`<p class="muted">这位旅客已注销账号，个人信息已删除。</p>`
      : html`<details><summary>个人信息请求</summary><p><a href="/api/ops/travelers/${t.traveler.id}/export?download=1">导出这位旅客的全部数据</a>（会记入操作记录）</p>${apiForm(
          'POST',
          `/api/ops/travelers/${t.traveler.id}/erase`,
          html`${field('依据', 'basis', input('basis', '', 'placeholder="例如：旅客来电要求删除（工单号）"'))}<button class="small danger">删除这位旅客的个人信息</button>`,
          { confirm: '删除后无法恢复：未成交的需求会关闭，姓名、手机号、备注会被清除，交易记录保留。确定？' },
        )}</details>`;
    await c.page(
      ctx,
      `需求 ${t.code}`,
      html`<h1>需求 ${t.code} ${deposit && t.status === 'paid' ? tag('paid', depositState(deposit).word) : tag(t.status)}${t.flaggedAt && t.status === 'open' ? flag : ''}</h1>
<div class="grid g2"><section class="box"><h2>需求</h2><table>
<tr><th>出行人</th><td>${t.contact.name} · ${t.contact.phone}${verified}${accountPhone} ${reveal}${person}</td></tr>
<tr><th>行程</th><td>${t.origin} → ${list(t.destinations)}，${t.departDate} 至 ${t.returnDate}，${partyWords(t.adults, t.children)}</td></tr>
<tr><th>预算</th><td>${yuan(t.budgetFen)}${t.budgetType === 'per_person' ? ' / 人' : ''}</td></tr>
<tr><th>要几位定制师</th><td>${t.plannersWanted}（最低 ${t.minTier} 级）</td></tr>
<tr><th>已开放</th><td>${t.releases.map((x) => `${x.tier} 级 ${when(x.releasedAt)}`).join('；') || '还没有'}</td></tr>
<tr><th>备注</th><td>${t.notes ?? ''}</td></tr></table></section>
<section class="box"><h2>操作</h2>${actions}</section></div>
${await depositSection(c.app, t.id)}
<section class="box"><h2>候选定制师（${t.candidates.length}）</h2>${table(['定制师', '供应商', '等级', '匹配分', '状态', ''], candidates, '没有匹配到定制师。')}</section>
<section class="box"><h2>工单</h2>${table(['定制师', '渠道', '状态', '接单', '方案截止', '交方案', '报价'], workOrders, '还没有人接单。')}</section>
<div class="grid g2"><section class="box"><h2>抢单尝试（按结果）</h2>${table(['结果', '次数', '第一次'], attempts, '还没有人尝试抢单。')}</section>
<section class="box"><h2>发出的消息</h2>${table(['消息', '发给', '状态', '错误', '发出', '送达'], messages, '还没有发消息。')}</section></div>
<section class="box"><h2>时间线</h2><ol class="timeline">${joined(
        t.timeline.map((e) => html`<li><time>${when(e.at)}</time><b>${e.what}</b> ${e.detail}</li>`),
        '',
      )}</ol></section>`,
      '/ops/requirements',
    );
  });
}
