/** 分级: the runs, one run's suggested moves to apply, and, when nothing moves, every planner's score now. */
import type Router from '@koa/router';
import type { Ctx } from '../../../context.js';
import { idParam } from '../../../http/body.js';
import { gradingRun, gradingRuns, scoresNow } from '../../../ops/index.js';
import { type Html, html } from '../html.js';
import { apiForm, type Console, link, num, table, when } from '../layout.js';
import { cronWords } from '../words.js';

const pct = (x: unknown) => (typeof x === 'number' ? `${Math.round(x * 100)}%` : '—');

export function grading(r: Router, c: Console) {
  r.get('/grading', async (ctx) => {
    const rows = (await gradingRuns(c.app)).map((g) => [
      link(`/ops/grading/${g.id}`, `#${g.id}`),
      g.trigger === 'schedule' ? '每周自动' : '手动',
      `近 ${g.windowDays} 天`,
      when(g.createdAt),
      num(g.moves),
      g.applied ? `已应用 ${g.applied}（${g.appliedBy ?? ''}）` : html`<span class="muted">未应用</span>`,
    ]);
    const cfg = c.app.config;
    await c.page(
      ctx,
      '分级',
      html`<h1>定制师分级</h1><section class="box"><p class="muted">按近 ${cfg.GRADING_WINDOW_DAYS} 天的表现（被选中率、交方案速度、超时、对开放的响应）给每位在岗定制师打分，建议升降一级；自动评估时间：${cronWords(cfg.GRADING_CRON)}（北京时间），运营确认后才生效。</p>${apiForm('POST', '/api/ops/grading', html`<button>立即评估</button>`, { next: 'go:/ops/grading/{id}' })}</section>
<section class="box"><h2>历史</h2>${table(['评估', '来源', '窗口', '时间', '建议变动', '应用'], rows, '还没有评估过。')}</section>`,
      '/ops/grading',
    );
  });

  r.get('/grading/:id', async (ctx) => {
    const id = idParam(ctx.params.id);
    const run = id ? await gradingRun(c.app, id).catch(() => null) : null;
    if (!run) return c.notFound(ctx, '没有这次评估。', '/ops/grading');
    const rows = run.moves.map((m) => {
      const x = m.metrics as Record<string, number | string | null>;
      return [
        m.appliedAt
          ? html`<span class="ok">已应用</span>`
          : html`<input type="checkbox" name="plannerIds" value="${m.plannerId}" data-type="ids" aria-label="选择 ${m.name}">`,
        link(`/ops/planners/${m.plannerId}`, m.name),
        m.supplier,
        html`<b>${m.fromTier} → ${m.toTier}</b>${m.currentTier !== m.fromTier && !m.appliedAt ? html` <span class="tag flag">现为 ${m.currentTier}</span>` : ''}`,
        num(m.score.toFixed(2)),
        pct(x.conversion),
        pct(x.speed),
        pct(x.reliability),
        pct(x.response),
        num(`${x.won ?? ''} / ${x.expired ?? ''} / ${x.chosen ?? ''}`),
        x.why ?? '',
      ];
    });
    const pending = run.moves.filter((m) => !m.appliedAt).length;
    const form = apiForm(
      'POST',
      `/api/ops/grading/${run.id}/apply`,
      html`${table(['', '定制师', '供应商', '建议', '得分', '被选中', '速度', '可靠', '响应', '抢到/超时/选中', '理由'], rows, '这次评估没有建议变动。')}${
        pending
          ? html`<button type="submit">应用所选</button> <button type="submit" name="all" value="1" class="quiet">全部应用</button>`
          : ''
      }`,
      { confirm: '应用后定制师的等级立即变化，并收到通知。确定？' },
    );
    await c.page(
      ctx,
      `分级评估 #${run.id}`,
      html`<h1>分级评估 #${run.id}</h1><p class="muted">${run.trigger === 'schedule' ? '每周自动' : '手动'}评估，近 ${run.windowDays} 天，${when(run.createdAt)}。得分 ≥ 0.60 升一级，&lt; 0.30 降一级；抢到少于 3 单不评。</p><section class="box">${form}</section>${
        run.moves.length === 0 ? await scoresTable(c.app, run.windowDays) : ''
      }`,
      '/ops/grading',
    );
  });
}

/** A run with nothing to move still shows why: every measured planner's score now, highest first. */
async function scoresTable(app: Ctx, days: number): Promise<Html> {
  const scores = await scoresNow(app, days);
  const rows = scores.map((s) => [
    link(`/ops/planners/${s.plannerId}`, s.name),
    s.tier,
    num(s.score.toFixed(2)),
    pct(s.parts.conversion),
    pct(s.parts.speed),
    pct(s.parts.reliability),
    pct(s.parts.response),
    num(s.won),
    s.why ?? '',
  ]);
  return html`<section class="box"><h2>各定制师当前得分（没有人达到升降线）</h2>${table(['定制师', '等级', '得分', '被选中', '速度', '可靠', '响应', '抢到', '说明'], rows, '还没有在岗的定制师。')}</section>`;
}
