/**
 * The dashboard: today's board (GET /api/ops/stats/today) and the funnel over 14 or 30 days
 * (GET /api/ops/stats/funnel), drawn with ECharts (only the parts used are bundled) and refreshed
 * every 30 seconds without a reload.
 */
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([LineChart, BarChart, PieChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);

const REFRESH_MS = 30_000;
const TIERS = ['S', 'A', 'B', 'C'] as const;

interface Today {
  day: string;
  newRequirements: number;
  fillRate: number | null;
  firstGrabSecondsByTier: Record<string, { p50: number | null; n: number }>;
  proposalsDue: { workOrderId: string; requirementId: number; code: string; planner: string; deadlineAt: string }[];
  flagged: { id: number; code: string; destinations: string[]; flaggedAt: string; why: 'no-planners' | 'slots-left' }[];
  notify: { paused: boolean; until?: string };
}

interface Funnel {
  requirements: number;
  grabbed: number;
  proposed: number;
  chosen: number;
  paid: number;
  wins: number;
  longTailWins: number;
  longTailShare: number | null;
  days: {
    day: string;
    requirements: number;
    grabbed: number;
    proposed: number;
    chosen: number;
    paid: number;
    firstGrabP50ByTier: Record<string, number | null>;
  }[];
}

const chinaDate = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
const seconds = (s: number | null | undefined) =>
  s === null || s === undefined ? '—' : s < 90 ? `${Math.round(s)} 秒` : `${Math.round(s / 60)} 分钟`;
const hhmm = (iso: string) =>
  new Date(iso).toLocaleString('zh-CN', { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });

async function get<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  if (res.status === 401) location.assign('/ops/login');
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return res.json() as Promise<T>;
}

function set(root: HTMLElement, key: string, text: string) {
  const el = root.querySelector<HTMLElement>(`[data-k="${key}"]`);
  if (el) el.textContent = text;
}

/** A small table built with DOM calls (text is never parsed as HTML). */
function table(head: string[], rows: (string | [string, string])[][], empty: string): HTMLElement {
  if (!rows.length) {
    const p = document.createElement('p');
    p.className = 'muted';
    p.textContent = empty;
    return p;
  }
  const t = document.createElement('table');
  const tr = t.createTHead().insertRow();
  for (const h of head) {
    const th = document.createElement('th');
    th.textContent = h;
    tr.append(th);
  }
  const body = t.createTBody();
  for (const r of rows) {
    const row = body.insertRow();
    for (const c of r) {
      const td = row.insertCell();
      if (Array.isArray(c)) {
        const a = document.createElement('a');
        a.href = c[0];
        a.textContent = c[1];
        td.append(a);
      } else td.textContent = c;
    }
  }
  return t;
}

export function dashboard(root: HTMLElement) {
  const funnelChart = echarts.init(root.querySelector<HTMLElement>('#chart-funnel')!);
  const firstChart = echarts.init(root.querySelector<HTMLElement>('#chart-first')!);
  const tailChart = echarts.init(root.querySelector<HTMLElement>('#chart-longtail')!);
  window.addEventListener('resize', () => {
    for (const c of [funnelChart, firstChart, tailChart]) c.resize();
  });
  let days = 14;

  async function refreshToday() {
    const t = await get<Today>('/api/ops/stats/today');
    set(root, 'newRequirements', String(t.newRequirements));
    const paused = root.querySelector<HTMLElement>('#notify-paused')!;
    paused.hidden = !t.notify.paused;
    if (t.notify.until) set(root, 'pausedUntil', hhmm(t.notify.until));
    set(root, 'fillRate', t.fillRate === null ? '—' : `${Math.round(t.fillRate * 100)}%`);
    set(root, 'firstS', seconds(t.firstGrabSecondsByTier.S?.p50));
    set(root, 'firstA', seconds(t.firstGrabSecondsByTier.A?.p50));
    root.querySelector('#due')!.replaceChildren(
      table(
        ['需求', '定制师', '截止'],
        t.proposalsDue.map((w) => [[`/ops/requirements/${w.requirementId}`, w.code], w.planner, hhmm(w.deadlineAt)]),
        '没有快到期的工单。',
      ),
    );
    root.querySelector('#flagged')!.replaceChildren(
      table(
        ['需求', '目的地', '原因', '标记于'],
        t.flagged.map((r) => [
          [`/ops/requirements/${r.id}`, r.code],
          r.destinations.join('、'),
          r.why === 'no-planners' ? '没有定制师服务这些目的地' : '各级开放后仍有名额',
          hhmm(r.flaggedAt),
        ]),
        '没有需要人工处理的需求。',
      ),
    );
  }

  async function refreshFunnel() {
    const to = chinaDate(Date.now());
    const from = chinaDate(Date.now() - (days - 1) * 86_400_000);
    const f = await get<Funnel>(`/api/ops/stats/funnel?from=${from}&to=${to}`);
    const x = f.days.map((d) => d.day.slice(5));
    const series = (name: string, key: 'requirements' | 'grabbed' | 'proposed' | 'chosen' | 'paid') => ({
      name,
      type: 'bar' as const,
      data: f.days.map((d) => d[key]),
    });
    funnelChart.setOption(
      {
        tooltip: { trigger: 'axis' },
        legend: { top: 0 },
        grid: { left: 40, right: 16, top: 36, bottom: 24 },
        xAxis: { type: 'category', data: x },
        yAxis: { type: 'value', minInterval: 1 },
        series: [
          series('需求', 'requirements'),
          series('被抢', 'grabbed'),
          series('交方案', 'proposed'),
          series('选定', 'chosen'),
          series('付定金', 'paid'),
        ],
      },
      true,
    );
    firstChart.setOption(
      {
        tooltip: { trigger: 'axis' },
        legend: { top: 0 },
        grid: { left: 48, right: 16, top: 36, bottom: 24 },
        xAxis: { type: 'category', data: x },
        yAxis: { type: 'value', name: '秒' },
        series: TIERS.map((t) => ({
          name: `${t} 级`,
          type: 'line' as const,
          connectNulls: true,
          data: f.days.map((d) => d.firstGrabP50ByTier[t]),
        })),
      },
      true,
    );
    tailChart.setOption(
      {
        tooltip: { trigger: 'item' },
        legend: { top: 0 },
        series: [
          {
            type: 'pie',
            radius: ['40%', '70%'],
            data: [
              { name: '长尾供应商', value: f.longTailWins },
              { name: '其他供应商', value: f.wins - f.longTailWins },
            ].filter((d) => d.value > 0),
          },
        ],
      },
      true,
    );
    set(root, 'longTail', f.longTailShare === null ? '—' : `${Math.round(f.longTailShare * 100)}%`);
    const total = root.querySelector<HTMLElement>('#funnel-total')!;
    total.textContent = `近 ${days} 天：需求 ${f.requirements} → 被抢 ${f.grabbed} → 交方案 ${f.proposed} → 选定 ${f.chosen} → 付定金 ${f.paid}`;
  }

  async function refresh() {
    try {
      await Promise.all([refreshToday(), refreshFunnel()]);
      set(root, 'updated', `更新于 ${new Date().toLocaleTimeString('zh-CN', { hour: '2-digit', minute: '2-digit', second: '2-digit' })}`);
      root.dataset.loaded = String(Number(root.dataset.loaded ?? 0) + 1);
    } catch {
      set(root, 'updated', '数据暂时取不到，稍后自动重试');
    }
  }

  for (const b of Array.from(root.querySelectorAll<HTMLButtonElement>('.range button'))) {
    b.addEventListener('click', () => {
      days = Number(b.dataset.days);
      for (const o of Array.from(root.querySelectorAll('.range button'))) o.classList.toggle('on', o === b);
      void refresh();
    });
  }
  void refresh();
  setInterval(() => void refresh(), REFRESH_MS);
}
