/**
 * 模拟: try a setting on a simulated marketplace before it goes live — pick a scenario (the default
 * one, a small one, or fitted from our records, shown before running), change the settings to try,
 * run it (queued, one at a time, with progress), read the result and its report, and compare with
 * earlier runs. A simulation runs in its own database: the live settings and records never change.
 */
import type Router from '@koa/router';
import { idParam } from '../../../http/body.js';
import {
  duration,
  previewFit,
  type SimulationInput,
  settingsOf,
  settingWords,
  simulationReport,
  simulationRun,
  simulationRuns,
} from '../../../sim/index.js';
import { type Html, html } from '../html.js';
import { apiForm, type Console, field, input, link, num, select, table, when } from '../layout.js';

const STATUS_WORDS: Record<string, string> = { queued: '排队中', running: '进行中', done: '完成', failed: '失败' };
const SCENARIO_WORDS: Record<string, string> = {
  default: '默认市场（每天约 300 个需求，600 位定制师）',
  tiny: '小市场（约 40 个需求，几十秒跑完）',
  ours: '按本平台的记录拟合',
};
const pct = (x: unknown) => (typeof x === 'number' ? `${(x * 100).toFixed(1)}%` : '—');

type PolicyRow = { name: string; label: string; metrics: Record<string, number | null> };

/** The headline of a finished run: today's policy under the tried setting. */
function tried(metrics: unknown): PolicyRow | undefined {
  return (metrics as { policies?: PolicyRow[] } | null)?.policies?.find((p) => p.name === 'grab-tiers');
}

function resultTable(metrics: unknown): Html {
  const policies = (metrics as { policies: PolicyRow[] }).policies;
  const rows = policies.map((p) => [
    p.label,
    duration(p.metrics.timeToFirstGrabP50Ms),
    duration(p.metrics.timeToFirstProposalP50Ms),
    pct(p.metrics.filledShare),
    num((p.metrics.proposalsPerRequirement ?? 0).toFixed(2)),
    pct(p.metrics.abandonedShare),
    pct(p.metrics.chosenShare),
    pct(p.metrics.paidShare),
    pct(p.metrics.longTailWinShare),
    num((p.metrics.winGini ?? 0).toFixed(2)),
  ]);
  return table(
    [
      '派单方式',
      '首个接单（中位）',
      '首个方案（中位）',
      '配满率',
      '每单方案数',
      '旅行者放弃*',
      '成交*',
      '付定金*',
      '小店份额',
      '集中度（基尼）',
    ],
    rows,
  );
}

export function simulations(r: Router, c: Console) {
  r.get('/simulations', async (ctx) => {
    const cfg = c.app.config;
    const plan = Object.fromEntries(cfg.releasePlan.map((p) => [p.tier, p.delaySec / 60]));
    const fitDays = Math.min(365, Math.max(1, Number(ctx.query.fitDays) || 30));
    const fit = await previewFit(c.app, fitDays);
    const runs = await simulationRuns(c.app);
    const rows = runs.map((run) => {
      const q = run.request as SimulationInput;
      const p = run.progress as { done?: number; total?: number } | null;
      const t = tried(run.metrics);
      return [
        link(`/ops/simulations/${run.id}`, `#${run.id}`),
        when(run.createdAt),
        run.by,
        SCENARIO_WORDS[q.scenario] ?? q.scenario,
        settingWords(settingsOf(q)),
        run.status === 'running' && p?.total ? `进行中 ${p.done}/${p.total}` : (STATUS_WORDS[run.status] ?? run.status),
        duration(t?.metrics.timeToFirstGrabP50Ms ?? null),
        pct(t?.metrics.filledShare),
        pct(t?.metrics.longTailWinShare),
        pct(t?.metrics.chosenShare),
        run.status === 'done' ? link(`/ops/simulations/${run.id}/report`, '报告') : '',
      ];
    });
    const minutes = (name: string, value: number) =>
      input(name, value, 'type="number" min="0" step="any" data-type="number" inputmode="decimal"');
    const form = apiForm(
      'POST',
      '/api/ops/simulations',
      html`<div class="grid">
${field('场景', 'scenario', select('scenario', Object.entries(SCENARIO_WORDS), 'default'))}
${field('拟合用最近几天的记录', 'fitDays', input('fitDays', fitDays, 'type="number" min="1" max="365" data-type="number"'))}
${field('S 级释放（分钟后）', 'delays.S', minutes('delays.S', plan.S ?? 0))}
${field('A 级释放（分钟后）', 'delays.A', minutes('delays.A', plan.A ?? 0))}
${field('B 级释放（分钟后）', 'delays.B', minutes('delays.B', plan.B ?? 0))}
${field('C 级释放（分钟后）', 'delays.C', minutes('delays.C', plan.C ?? 0))}
${field(
  '每单最多几位定制师',
  'cap',
  select(
    'cap',
    [
      ['3', '3 位'],
      ['2', '2 位'],
      ['1', '1 位'],
    ],
    '3',
    'data-type="number"',
  ),
)}
${field('方案期限（小时）', 'deadlineHours', input('deadlineHours', cfg.PROPOSAL_DEADLINE / 3600, 'type="number" min="1" max="168" step="any" data-type="number"'))}
${field('模拟几天的需求', 'days', input('days', 1, 'type="number" min="1" max="7" data-type="number"'))}
${field('每种方式重复几次', 'replications', input('replications', 2, 'type="number" min="1" max="10" data-type="number"'))}
${field(
  '对比',
  'compare',
  select(
    'compare',
    [
      ['yes', '四种派单方式一起对比'],
      ['no', '只跑这个设置'],
    ],
    'yes',
  ),
)}
${field('随机种子', 'seed', input('seed', 1, 'type="number" min="0" data-type="number"'))}
</div><button type="submit">开始模拟</button>`,
      { next: 'go:/ops/simulations/{id}', id: 'simulate' },
    );
    await c.page(
      ctx,
      '模拟',
      html`<h1>模拟：上线前先试一个设置</h1>
<section class="box"><p class="muted">同样的需求和人，用真实的抢单引擎在模拟市场里跑一遍，看这个设置让接单快了还是慢了、单子分给了谁、成交会怎样。模拟在自己的数据库里进行，不会改动线上的设置和数据；一次只跑一个。现行设置已填好，改你想试的那一项。</p>${form}</section>
<section class="box" id="fit"><h2>按本平台的记录拟合（近 ${fitDays} 天）</h2>${fit.ok ? html`<p class="muted">选“按本平台的记录拟合”时，模拟用这些数字：</p>` : ''}<ul>${fit.summary.map((l) => html`<li>${l}</li>`)}</ul><p class="muted">换个天数：${[7, 30, 90].map((d) => html`${link(`/ops/simulations?fitDays=${d}`, `近 ${d} 天`)} `)}</p></section>
<section class="box"><h2>以前的模拟</h2><p class="muted">首个接单、配满率、小店份额、成交是“分级释放”方式在所试设置下的结果；成交是行为模型的输出。</p>${table(['模拟', '时间', '发起人', '场景', '所试设置', '状态', '首个接单', '配满率', '小店份额', '成交*', ''], rows, '还没有模拟过。')}</section>`,
      '/ops/simulations',
    );
  });

  r.get('/simulations/:id', async (ctx) => {
    const id = idParam(ctx.params.id);
    const run = id ? await simulationRun(c.app, id).catch(() => null) : null;
    if (!run) return c.notFound(ctx, '没有这次模拟。', '/ops/simulations');
    const q = run.request as SimulationInput;
    const p = (run.progress ?? {}) as { done?: number; total?: number; line?: string; fitted?: string[] | null };
    const live = run.status === 'queued' || run.status === 'running';
    const progress = html`<section class="box" id="simulation" data-id="${run.id}" data-status="${run.status}"><h2>${STATUS_WORDS[run.status] ?? run.status}</h2>${
      live
        ? html`<p><progress max="${p.total || 1}" value="${p.done ?? 0}" data-k="bar"></progress> <span data-k="count">${p.done ?? 0}/${p.total || '?'}</span></p><p class="muted" data-k="line">${p.line ?? ''}</p>`
        : ''
    }${run.status === 'failed' ? html`<p class="err">模拟没有跑完：</p><pre>${run.error ?? ''}</pre>` : ''}${
      run.status === 'done'
        ? html`<p>${link(`/ops/simulations/${run.id}/report`, '打开完整报告（对比表、设置扫描、曲线和注意事项）')}</p>${resultTable(run.metrics)}<p class="muted">* 旅行者放弃、成交、付定金是行为模型的输出；其余是真实引擎在模拟里的记录。</p>`
        : ''
    }</section>`;
    await c.page(
      ctx,
      `模拟 #${run.id}`,
      html`<h1>模拟 #${run.id}</h1><p class="muted">${when(run.createdAt)} · ${run.by} · ${SCENARIO_WORDS[q.scenario] ?? q.scenario} · ${q.days} 天 · 每种方式 ${q.replications} 次 · 种子 ${q.seed}</p>
<section class="box"><h2>所试设置</h2><p>${settingWords(settingsOf(q))}</p>${p.fitted ? html`<p class="muted">按本平台记录拟合：</p><ul>${p.fitted.map((l) => html`<li>${l}</li>`)}</ul>` : ''}</section>
${progress}<p>${link('/ops/simulations', '返回模拟')}</p>`,
      '/ops/simulations',
    );
  });

  /** The report as the simulation wrote it: a self-contained page (inline styles and SVG, no script). */
  r.get('/simulations/:id/report', async (ctx) => {
    const id = idParam(ctx.params.id);
    const report = id ? await simulationReport(c.app, id) : null;
    if (!report) return c.notFound(ctx, '这次模拟还没有报告。', '/ops/simulations');
    ctx.set(
      'content-security-policy',
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'",
    );
    ctx.set('x-content-type-options', 'nosniff');
    ctx.type = 'html';
    ctx.body = report;
  });
}
