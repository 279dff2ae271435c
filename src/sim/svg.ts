/** The report's charts as inline SVG (no script, no library: the page opens from disk): axes, lines, bars, a Pareto scatter. */
import type { SweepPoint } from './types.js';
import { settingWords } from './words.js';

export const esc = (v: unknown) =>
  String(v).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export const W = 640;
export const H = 260;
const PAD = { l: 56, r: 16, t: 16, b: 40 };
export const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

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

export function lineChart(
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
  return `<svg viewBox="0 0 ${W} ${H}" role="img">${g}</svg>${legend(series.map((s) => s.name))}`;
}

export function bars(groups: string[], series: { name: string; values: number[] }[], yLabel: string, fy: (y: number) => string) {
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
  return `<svg viewBox="0 0 ${W} ${H}" role="img">${g}</svg>${legend(series.map((s) => s.name))}`;
}

export const cdf = (values: number[], unit: number): [number, number][] =>
  values.length ? [[0, 0], ...values.map((v, i) => [v / unit, (i + 1) / values.length] as [number, number])] : [];

export function paretoChart(points: SweepPoint[]) {
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

/** The series' names in their colours, under a chart. */
const legend = (names: string[]) =>
  `<div class="legend">${names.map((n, i) => `<span><i style="background:${COLORS[i % COLORS.length]}"></i>${esc(n)}</span>`).join('')}</div>`;
