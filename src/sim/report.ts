/**
 * report.html: one self-contained page (inline SVG, no script, opens from disk) an ops person reads
 * without the code. Its first screen answers "what happens if I change this setting": the findings
 * in sentences, the policies side by side with intervals, and the sweep's best settings against
 * today's; then the charts, the model's sensitivity, what each number means and the caveats.
 */

import { lorenz, type Metrics } from './metrics.js';
import { POLICY_WORDS, type Policy } from './policies.js';
import { bars, cdf, esc, lineChart, paretoChart, W } from './svg.js';
import type { Detail, PolicyResult, Simulation, SweepPoint } from './types.js';
import { duration, settingWords } from './words.js';

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
const num = (x: number | null, d = 2) => (x === null ? '—' : x.toFixed(d));

type Field = {
  key: keyof Metrics;
  label: string;
  fmt: (x: number | null) => string;
  model?: boolean;
  better: 'low' | 'high' | null;
  means: string;
};
export const FIELDS: Field[] = [
  {
    key: 'timeToFirstGrabP50Ms',
    label: '首个定制师接单（中位）',
    fmt: duration,
    better: 'low',
    means: '需求提交到第一位定制师抢到（或接受派单）的时间，一半需求快于它。',
  },
  {
    key: 'timeToFirstGrabP90Ms',
    label: '首个定制师接单（90%）',
    fmt: duration,
    better: 'low',
    means: '九成需求在这个时间内有了第一位定制师。',
  },
  {
    key: 'timeToFirstProposalP50Ms',
    label: '首个方案送达（中位）',
    fmt: duration,
    better: 'low',
    means: '需求提交到旅行者收到第一份方案的时间。',
  },
  { key: 'filledShare', label: '配满率', fmt: pct, better: 'high', means: '接单的定制师达到旅行者想要人数的需求占比。' },
  { key: 'proposalsPerRequirement', label: '每个需求的方案数', fmt: (x) => num(x), better: 'high', means: '平均每个需求收到几份方案。' },
  {
    key: 'abandonedShare',
    label: '旅行者放弃',
    fmt: pct,
    model: true,
    better: 'low',
    means: '还没等到方案就不再等待的需求占比（行为模型的输出）。',
  },
  {
    key: 'chosenShare',
    label: '选定方案（成交）',
    fmt: pct,
    model: true,
    better: 'high',
    means: '旅行者选定了一份方案的需求占比（行为模型的输出）。',
  },
  { key: 'paidShare', label: '支付定金', fmt: pct, model: true, better: 'high', means: '选定后付了定金的需求占比（行为模型的输出）。' },
  {
    key: 'longTailWinShare',
    label: '小店（≤3 人）接单份额',
    fmt: pct,
    better: 'high',
    means: '接到的单里，三人及以下小供应商拿到的比例。',
  },
  {
    key: 'winGini',
    label: '接单集中度（基尼）',
    fmt: (x) => num(x),
    better: 'low',
    means: '各供应商接单数的基尼系数：0 人人一样，1 全归一家。',
  },
  {
    key: 'attemptsPerWin',
    label: '每单抢的次数',
    fmt: (x) => num(x),
    better: 'low',
    means: '定制师按“抢”的次数除以抢到的次数；越高，白费的力气越多。',
  },
  {
    key: 'wastedAttempts',
    label: '白抢次数',
    fmt: (x) => num(x, 0),
    better: 'low',
    means: '被拒绝的抢单（已满、同供应商已接、频率限制等）。',
  },
  { key: 'rereleases', label: '名额退回', fmt: (x) => num(x, 0), better: 'low', means: '超时未交方案、派单被拒或无人应答而退回的名额。' },
  { key: 'requirements', label: '需求数', fmt: (x) => num(x, 0), better: null, means: '模拟期间提交的需求。' },
];
const field = (k: keyof Metrics) => FIELDS.find((f) => f.key === k)!;

function cell(p: PolicyResult, f: Field) {
  const v = p.metrics[f.key] as number | null;
  const iv = p.intervals[f.key];
  const range = iv && iv[0] !== iv[1] ? `<small>${esc(f.fmt(iv[0]))} – ${esc(f.fmt(iv[1]))}</small>` : '';
  return `<td>${esc(f.fmt(v))}${range}</td>`;
}

function policyTable(sim: Simulation) {
  const ps = sim.policies;
  const head = ps.map((p) => `<th>${esc(p.label)}${p.replications > 1 ? `<small>${p.replications} 次重复</small>` : ''}</th>`).join('');
  const rows = FIELDS.map(
    (f) =>
      `<tr><th title="${esc(f.means)}">${esc(f.label)}${f.model ? ' <span class="model">模型</span>' : ''}</th>${ps.map((p) => cell(p, f)).join('')}</tr>`,
  ).join('');
  return `<table class="compare"><thead><tr><th></th>${head}</tr></thead><tbody>${rows}</tbody></table>
  <p class="note">每格是各次重复的平均值，小字是 95% 区间。标“模型”的三项取决于旅行者行为模型的假设，其余是引擎自己的记录。</p>`;
}

function change(a: number | null, b: number | null) {
  if (a === null || b === null || a === 0) return '';
  const r = (b - a) / Math.abs(a);
  return `${r >= 0 ? '+' : ''}${(r * 100).toFixed(0)}%`;
}

function findings(sim: Simulation): string[] {
  const out: string[] = [];
  const by = (n: Policy) => sim.policies.find((p) => p.name === n);
  const tiers = by('grab-tiers');
  const one = by('assign-one');
  const flat = by('grab-flat');
  if (tiers && one) {
    out.push(
      `抢单（分级释放）对比一对一指派：成交 ${pct(one.metrics.chosenShare)} → ${pct(tiers.metrics.chosenShare)}（${change(one.metrics.chosenShare, tiers.metrics.chosenShare)}，模型输出），` +
        `首个方案 ${duration(one.metrics.timeToFirstProposalP50Ms)} → ${duration(tiers.metrics.timeToFirstProposalP50Ms)}，` +
        `小店份额 ${pct(one.metrics.longTailWinShare)} → ${pct(tiers.metrics.longTailWinShare)}。`,
    );
  }
  if (tiers && flat)
    out.push(
      `分级释放对比一次放给所有人：首个接单 ${duration(flat.metrics.timeToFirstGrabP50Ms)} → ${duration(tiers.metrics.timeToFirstGrabP50Ms)}，` +
        `S 级接单 ${num(flat.metrics.byTier.S.wins, 0)} → ${num(tiers.metrics.byTier.S.wins, 0)}，白抢 ${num(flat.metrics.wastedAttempts, 0)} → ${num(tiers.metrics.wastedAttempts, 0)} 次。`,
    );
  if (sim.sweep) {
    const current = sim.sweep.find((p) => p.current);
    const front = sim.sweep.filter((p) => p.pareto && !p.current);
    if (current) {
      out.push(
        `现行设置（${settingWords(current.settings)}）${current.pareto ? '在最优前沿上：没有哪个设置能在三项上都不差且至少一项更好。' : '不在最优前沿上：下面标出的设置至少一项更好、其余不差。'}`,
      );
      for (const p of front.slice(0, 3))
        out.push(
          `改成 ${settingWords(p.settings)}：首个接单 ${duration(current.metrics.timeToFirstGrabP50Ms)} → ${duration(p.metrics.timeToFirstGrabP50Ms)}，` +
            `小店份额 ${pct(current.metrics.longTailWinShare)} → ${pct(p.metrics.longTailWinShare)}，成交 ${pct(current.metrics.chosenShare)} → ${pct(p.metrics.chosenShare)}（<a href="#pt-${p.id}">设置 ${p.id + 1}</a>）。`,
        );
    }
  }
  if (sim.ladder.length && tiers && one) {
    const spread = [tiers.metrics.chosenShare - one.metrics.chosenShare];
    for (const l of sim.ladder) {
      const t = l.policies.find((p) => p.name === 'grab-tiers');
      const o = l.policies.find((p) => p.name === 'assign-one');
      if (t && o) spread.push(t.metrics.chosenShare - o.metrics.chosenShare);
    }
    out.push(
      `这个结论对抢单行为模型有多敏感：在三种模型下，抢单比一对一的成交率差 ${spread.map((x) => `${(x * 100).toFixed(1)} 个百分点`).join('、')}。${spread.every((x) => x > 0) || spread.every((x) => x < 0) ? '方向一致。' : '方向不一致：这个结论靠模型假设，先别据此改线上设置。'}`,
    );
  }
  return out;
}

function sweepTable(points: SweepPoint[]) {
  const rows = points
    .map(
      (p) =>
        `<tr id="pt-${p.id}" class="${p.current ? 'current' : ''}${p.pareto ? ' pareto' : ''}"><td>${p.id + 1}${p.current ? ' 现行' : ''}${p.pareto ? ' ★' : ''}</td><td>${esc(settingWords(p.settings))}</td>` +
        `<td>${duration(p.metrics.timeToFirstGrabP50Ms)}</td><td>${pct(p.metrics.longTailWinShare)}</td><td>${pct(p.metrics.chosenShare)}</td><td>${pct(p.metrics.filledShare)}</td><td>${num(p.metrics.attemptsPerWin)}</td></tr>`,
    )
    .join('');
  return `<table class="sweep"><thead><tr><th>#</th><th>设置</th><th>首个接单（中位）</th><th>小店份额</th><th>成交 <span class="model">模型</span></th><th>配满率</th><th>每单抢的次数</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function charts(sim: Simulation) {
  const names = Object.keys(sim.detail) as Policy[];
  const d = (n: Policy) => sim.detail[n] as Detail;
  const main = d(names.includes('grab-tiers') ? 'grab-tiers' : names[0]);
  const hours = main.hourly.length;
  const marks = main.releaseTimesSec.map((sec, i) => ({ x: sec / 60, label: `${'SABC'[i]} 级释放` }));
  const xMaxMin = Math.max(15, Math.min(180, ...names.map((n) => (d(n).ttfgMs[Math.floor(d(n).ttfgMs.length * 0.9)] ?? 0) / 60_000)));
  const hist = (values: number[], bins: number, max: number) => {
    const out = Array.from({ length: bins }, (_, i) => [((i + 0.5) * max) / bins, 0] as [number, number]);
    for (const v of values) out[Math.min(bins - 1, Math.floor((v / max) * bins))][1]++;
    return out;
  };
  const deadlineMin = main.proposalDeadlineMin;
  return `
  <h2>首个定制师接单要多久</h2>
  ${lineChart(
    names.map((n) => ({ name: POLICY_WORDS[n], points: cdf(d(n).ttfgMs, 60_000) })),
    {
      xLabel: '需求提交后（分钟）',
      yLabel: '已有定制师的需求',
      fx: (x) => x.toFixed(0),
      fy: (y) => `${(y * 100).toFixed(0)}%`,
      xMax: xMaxMin,
      yMax: 1,
      marks,
    },
  )}
  <p class="note">竖线是现行设置里各级定制师收到通知的时间。</p>
  <h2>首个方案要多久</h2>
  ${lineChart(
    names.map((n) => ({ name: POLICY_WORDS[n], points: cdf(d(n).ttfpMs, 3_600_000) })),
    {
      xLabel: '需求提交后（小时）',
      yLabel: '已收到方案的需求',
      fx: (x) => x.toFixed(0),
      fy: (y) => `${(y * 100).toFixed(0)}%`,
      xMax: 36,
      yMax: 1,
    },
  )}
  <h2>谁接到了单：按供应商规模</h2>
  ${bars(
    Object.keys(main.winsBySize),
    names.map((n) => ({ name: POLICY_WORDS[n], values: Object.values(d(n).winsBySize) })),
    '接单数',
    (y) => y.toFixed(0),
  )}
  <h2>接单分布的洛伦兹曲线</h2>
  ${lineChart(
    names.map((n) => ({ name: POLICY_WORDS[n], points: lorenz(d(n).suppliers) })),
    {
      xLabel: '供应商（按接单数从少到多）',
      yLabel: '累计接单份额',
      fx: (x) => `${(x * 100).toFixed(0)}%`,
      fy: (y) => `${(y * 100).toFixed(0)}%`,
      xMax: 1,
      yMax: 1,
    },
  )}
  <p class="note">越贴近对角线，单子分得越平均；基尼系数是对角线与曲线之间面积的两倍。</p>
  <h2>一天里的每个小时（现行设置）</h2>
  ${lineChart(
    [
      { name: '新需求', points: main.hourly.map((h) => [h.hour, h.arrivals]) },
      { name: '抢到', points: main.hourly.map((h) => [h.hour, h.wins]) },
      { name: '白抢', points: main.hourly.map((h) => [h.hour, h.refused]) },
      { name: '未结束的需求', points: main.hourly.map((h) => [h.hour, h.open]) },
    ],
    { xLabel: '模拟开始后（小时）', yLabel: '个数', fx: (x) => x.toFixed(0), fy: (y) => y.toFixed(0), xMax: hours },
  )}
  ${lineChart([{ name: '在线定制师', points: main.hourly.map((h) => [h.hour, h.online]) }], {
    xLabel: '模拟开始后（小时）',
    yLabel: '人数',
    fx: (x) => x.toFixed(0),
    fy: (y) => y.toFixed(0),
    xMax: hours,
  })}
  <h2>交方案的用时（现行设置）</h2>
  ${lineChart([{ name: '方案数', points: hist(main.proposalDelaysMin, 24, deadlineMin) }], {
    xLabel: '抢到后（小时）',
    yLabel: '方案数',
    fx: (x) => (x / 60).toFixed(0),
    fy: (y) => y.toFixed(0),
    xMax: deadlineMin,
    marks: [{ x: deadlineMin, label: '期限' }],
  })}
  <h2>模板消息与抢单结果（现行设置）</h2>
  <table class="small"><tbody>${Object.entries(main.messages)
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`)
    .join('')}</tbody></table>
  <table class="small"><tbody>${Object.entries(main.attempts)
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`)
    .join('')}</tbody></table>`;
}

function ladderTable(sim: Simulation) {
  if (!sim.ladder.length) return '';
  const rungWords = { constant: '固定概率', constraints: '固定概率 + 在线/容量限制', logit: 'Logit（匹配度、级别、负载、时间、竞争）' };
  const rows = [{ rung: sim.rung, policies: sim.policies.map((p) => ({ name: p.name, metrics: p.metrics })) }, ...sim.ladder]
    .map(
      (l) =>
        `<tr><th>${esc(rungWords[l.rung])}${l.rung === sim.rung ? '（本次）' : ''}</th>${l.policies.map((p) => `<td>${pct(p.metrics.chosenShare)} · ${duration(p.metrics.timeToFirstGrabP50Ms)} · ${pct(p.metrics.longTailWinShare)}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<h2>结论对行为模型有多敏感</h2><p>同样的需求和人，换用三种抢单决策模型。每格：成交 · 首个接单 · 小店份额。</p>
  <table class="compare"><thead><tr><th>抢单模型</th>${sim.policies.map((p) => `<th>${esc(p.label)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>`;
}

const STYLE = `body{font:14px/1.6 -apple-system,"PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif;margin:0 auto;max-width:1000px;padding:16px 24px;color:#222}
h1{font-size:22px;margin:8px 0}h2{font-size:17px;margin:28px 0 8px;border-top:1px solid #eee;padding-top:16px}
.lead{background:#f6f8fa;border:1px solid #e1e4e8;border-radius:6px;padding:8px 16px}.lead li{margin:6px 0}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ddd;padding:4px 8px;text-align:right;vertical-align:top}th{text-align:left;background:#fafafa;font-weight:600}
td small,th small{display:block;color:#888;font-size:11px;font-weight:normal}.note{color:#666;font-size:12px}
.model{font-size:11px;background:#fff3cd;color:#8a6d3b;border-radius:3px;padding:0 4px;font-weight:normal}
svg{width:100%;max-width:${W}px;display:block}svg text{font-size:11px;fill:#555}.axis{stroke:#999}.grid{stroke:#eee}.mark{stroke:#f0a;stroke-dasharray:4 3}.marklabel{fill:#c08}
.front{fill:none;stroke:#2ca02c;stroke-width:1.5;stroke-dasharray:5 3}.pt{fill:#bbb}.pt.pareto{fill:#2ca02c}.pt.current{fill:#d62728}
.legend span{margin-right:14px;font-size:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
.legend i.dot{border-radius:50%;background:#bbb}.legend i.dot.current{background:#d62728}.legend i.dot.pareto{background:#2ca02c}
tr.current td{background:#fdecea}tr.pareto td{font-weight:600}tr:target td{outline:2px solid #1f77b4}dl dt{font-weight:600;margin-top:8px}dl dd{margin:0 0 0 16px}`;

export function renderReport(sim: Simulation): string {
  const lead = findings(sim);
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>模拟报告 · ${esc(sim.scenario.name)}</title><style>${STYLE}</style></head><body>
<h1>模拟报告：${esc(sim.scenario.name)}</h1>
<p class="note">${esc(sim.scenario.description)}<br>模拟 ${sim.days} 天的需求（之后继续运行到结果落定）· 种子 ${sim.seed} · 代码 ${esc(sim.commit)} · 场景 ${esc(sim.scenario.hash)} · 现行设置：${esc(settingWords(sim.settings))} · 不变量检查 ${sim.invariants.checked} 次，违反 ${sim.invariants.violations} 次</p>
${lead.length ? `<div class="lead"><h2 style="border:0;margin-top:8px;padding:0">如果改这个设置会怎样</h2><ul>${lead.map((l) => `<li>${l}</li>`).join('')}</ul></div>` : ''}
<h2>各种派单方式对比</h2>
${policyTable(sim)}
${sim.sweep ? `<h2>设置扫描：快与分散之间的取舍</h2>${paretoChart(sim.sweep)}${sweepTable(sim.sweep)}<p class="note">点图上的点跳到它的设置。★ 是最优前沿：首个接单更快、小店份额更高、成交更多，三项里没有别的设置全都不差且一项更好。</p>` : ''}
${charts(sim)}
${ladderTable(sim)}
<h2>每个数字的意思</h2><dl>${FIELDS.map((f) => `<dt>${esc(f.label)}${f.model ? ' <span class="model">模型</span>' : ''}</dt><dd>${esc(f.means)}</dd>`).join('')}</dl>
<h2>要当心的地方</h2><ul>
<li>这是模拟：定制师和旅行者的行为来自场景文件里的模型。配满率、时间、谁接到单和引擎的各项计数是真实引擎在这些行为下的结果；成交、放弃和付定金是行为模型的输出，不是预测。</li>
<li>行为是在现行分级设置下拟合或假设的；离现行设置越远，外推越不可靠。</li>
<li>一两天的模拟看不出长期效应：例如小店总抢不到单而离开平台。</li>
<li>改线上设置前，先用小流量实验验证模拟挑出的方向。</li></ul>
<p class="note">${esc(field('requirements').label)}和其他计数来自引擎的记录（PostgreSQL），与线上同一套代码。</p>
</body></html>
`;
}
