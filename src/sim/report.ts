/**
 * report.html: one self-contained page (inline SVG, no script, opens from disk) an ops person reads
 * without the code. Its first screen answers "what happens if I change this setting": the findings
 * in sentences, the policies side by side with intervals, and the sweep's best settings against
 * today's; then the charts, the model's sensitivity, what each number means and the caveats.
 */

import { lorenz, type Metrics } from './metrics.js';
import { POLICY_WORDS, type Policy } from './policies.js';
import type { Detail, PolicyResult, Simulation, SweepPoint } from './types.js';
import { duration, settingWords } from './words.js';

const esc = (v: unknown) =>
  String(v).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

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

// ── charts (inline SVG) ──────────────────────────────────────────────────────────────────────
const W = 640;
const H = 260;
const PAD = { l: 56, r: 16, t: 16, b: 40 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

interface Series {
  name: string;
  points: [number, number][];
}

function axes(xMax: number, yMax: number, xLabel: string, yLabel: string, fx: (x: number) => string, fy: (y: number) => string) {
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  let g = `<line x1="${PAD.l}" y1="${PAD.t + ih}" x2="${PAD.l + iw}" y2="${PAD.t + ih}" class="axis"/><line x1="${PAD.l}" y1="${PAD.t}" x2="${PAD.l}" y2="${PAD.t + ih}" class="axis"/>`;
  for (let i = 0; i <= 4; i++) {
    const x = PAD.l + (iw * i) / 4;
    const y = PAD.t + ih - (ih * i) / 4;
    g += `<text x="${x}" y="${PAD.t + ih + 16}" text-anchor="middle">${esc(fx((xMax * i) / 4))}</text>`;
    g += `<text x="${PAD.l - 6}" y="${y + 4}" text-anchor="end">${esc(fy((yMax * i) / 4))}</text><line x1="${PAD.l}" y1="${y}" x2="${PAD.l + iw}" y2="${y}" class="grid"/>`;
  }
  g += `<text x="${PAD.l + iw / 2}" y="${H - 6}" text-anchor="middle">${esc(xLabel)}</text><text x="12" y="${PAD.t + ih / 2}" transform="rotate(-90 12 ${PAD.t + ih / 2})" text-anchor="middle">${esc(yLabel)}</text>`;
  return g;
}

function lineChart(
  series: Series[],
  o: {
    xLabel: string;
    yLabel: string;
    fx: (x: number) => string;
    fy: (y: number) => string;
    xMax?: number;
    yMax?: number;
    marks?: { x: number; label: string }[];
  },
) {
  const xMax = o.xMax ?? Math.max(1, ...series.flatMap((s) => s.points.map((p) => p[0])));
  const yMax = o.yMax ?? Math.max(1, ...series.flatMap((s) => s.points.map((p) => p[1])));
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const X = (x: number) => PAD.l + (Math.min(x, xMax) / xMax) * iw;
  const Y = (y: number) => PAD.t + ih - (Math.min(y, yMax) / yMax) * ih;
  let g = axes(xMax, yMax, o.xLabel, o.yLabel, o.fx, o.fy);
  for (const m of o.marks ?? [])
    if (m.x <= xMax)
      g += `<line x1="${X(m.x)}" y1="${PAD.t}" x2="${X(m.x)}" y2="${PAD.t + ih}" class="mark"/><text x="${X(m.x) + 3}" y="${PAD.t + 10}" class="marklabel">${esc(m.label)}</text>`;
  series.forEach((s, i) => {
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join('');
    g += `<path d="${d}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2"/>`;
  });
  const legend = series.map((s, i) => `<span><i style="background:${COLORS[i % COLORS.length]}"></i>${esc(s.name)}</span>`).join('');
  return `<svg viewBox="0 0 ${W} ${H}" role="img">${g}</svg><div class="legend">${legend}</div>`;
}

function bars(groups: string[], series: { name: string; values: number[] }[], yLabel: string, fy: (y: number) => string) {
  const yMax = Math.max(1, ...series.flatMap((s) => s.values));
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  let g = axes(1, yMax, '', yLabel, () => '', fy);
  const gw = iw / groups.length;
  const bw = (gw * 0.8) / series.length;
  groups.forEach((name, gi) => {
    series.forEach((s, si) => {
      const h = (s.values[gi] / yMax) * ih;
      g += `<rect x="${PAD.l + gi * gw + gw * 0.1 + si * bw}" y="${PAD.t + ih - h}" width="${bw - 2}" height="${h}" fill="${COLORS[si % COLORS.length]}"><title>${esc(`${s.name} · ${name}: ${fy(s.values[gi])}`)}</title></rect>`;
    });
    g += `<text x="${PAD.l + gi * gw + gw / 2}" y="${PAD.t + ih + 16}" text-anchor="middle">${esc(name)}</text>`;
  });
  const legend = series.map((s, i) => `<span><i style="background:${COLORS[i % COLORS.length]}"></i>${esc(s.name)}</span>`).join('');
  return `<svg viewBox="0 0 ${W} ${H}" role="img">${g}</svg><div class="legend">${legend}</div>`;
}

const cdf = (values: number[], unit: number): [number, number][] =>
  values.length ? [[0, 0], ...values.map((v, i) => [v / unit, (i + 1) / values.length] as [number, number])] : [];

function paretoChart(points: SweepPoint[]) {
  const xs = points.map((p) => (p.metrics.timeToFirstGrabP50Ms ?? 0) / 60_000);
  const ys = points.map((p) => p.metrics.longTailWinShare);
  const xMax = Math.max(0.5, ...xs) * 1.1;
  const yMax = Math.min(1, Math.max(0.05, ...ys) * 1.15);
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const X = (x: number) => PAD.l + (x / xMax) * iw;
  const Y = (y: number) => PAD.t + ih - (y / yMax) * ih;
  let g = axes(
    xMax,
    yMax,
    '首个接单中位时间（分钟，越左越快）',
    '小店接单份额（越高越分散）',
    (x) => x.toFixed(1),
    (y) => `${(y * 100).toFixed(0)}%`,
  );
  const front = points
    .filter((p) => p.pareto)
    .sort((a, b) => (a.metrics.timeToFirstGrabP50Ms ?? 0) - (b.metrics.timeToFirstGrabP50Ms ?? 0));
  if (front.length > 1)
    g += `<path d="${front.map((p, i) => `${i ? 'L' : 'M'}${X((p.metrics.timeToFirstGrabP50Ms ?? 0) / 60_000).toFixed(1)},${Y(p.metrics.longTailWinShare).toFixed(1)}`).join('')}" class="front"/>`;
  points.forEach((p, i) => {
    const cls = p.current ? 'pt current' : p.pareto ? 'pt pareto' : 'pt';
    g += `<a href="#pt-${p.id}"><circle cx="${X(xs[i]).toFixed(1)}" cy="${Y(ys[i]).toFixed(1)}" r="${p.current ? 8 : 6}" class="${cls}"><title>${esc(`设置 ${p.id + 1}：${settingWords(p.settings)}`)}</title></circle><text x="${(X(xs[i]) + 9).toFixed(1)}" y="${(Y(ys[i]) + 4).toFixed(1)}">${p.id + 1}${p.current ? ' 现行' : ''}</text></a>`;
  });
  return `<svg viewBox="0 0 ${W} ${H}" role="img">${g}</svg><div class="legend"><span><i class="dot current"></i>现行设置</span><span><i class="dot pareto"></i>最优前沿（没有别的设置三项都不差且一项更好）</span><span><i class="dot"></i>其他</span></div>`;
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
