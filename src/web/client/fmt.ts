/** Money, dates and little phrases, as the pages show them (China time). */
export const yuan = (fen: number) => `¥${(fen / 100).toLocaleString('zh-CN', { maximumFractionDigits: 2 })}`;

/** A budget as a band, not to the fen: what a planner needs to decide at a glance. */
export function budgetBand(fen: number, type = 'total'): string {
  const w = fen / 1_000_000; // 万元
  const bands: [number, string][] = [[0.5, '5千以下'], [1, '5千–1万'], [2, '1–2万'], [3, '2–3万'], [5, '3–5万'], [10, '5–10万'], [20, '10–20万']];
  const band = bands.find(([top]) => w < top)?.[1] ?? '20万以上';
  return type === 'per_person' ? `人均 ${band}` : band;
}

export const md = (iso: string) => iso.slice(5).replace('-', '/');

export function days(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;
}

export const dates = (from: string, to: string) => `${md(from)}–${md(to)} · ${days(from, to)}天`;

export const party = (adults: number, children: number) => (children ? `${adults}成人 ${children}儿童` : `${adults}成人`);

export function ago(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return '刚刚';
  if (s < 3600) return `${Math.floor(s / 60)}分钟前`;
  if (s < 86_400) return `${Math.floor(s / 3600)}小时前`;
  return `${Math.floor(s / 86_400)}天前`;
}

export function left(ms: number, now = Date.now()): string {
  const s = Math.round((ms - now) / 1000);
  if (s <= 0) return '已到期';
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  return hh ? `剩 ${hh}小时${mm}分` : `剩 ${mm}分钟`;
}

export function clock(ms: number | string): string {
  const d = new Date(new Date(ms).getTime() + 8 * 3600_000);
  return `${d.toISOString().slice(5, 10).replace('-', '/')} ${d.toISOString().slice(11, 16)}`;
}

export const TIER: Record<string, string> = { S: 'S级', A: 'A级', B: 'B级', C: 'C级' };
