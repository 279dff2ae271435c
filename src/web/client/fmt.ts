/** Money, dates and little phrases, as the pages show them (China time). */
export const yuan = (fen: number) => `¥${(fen / 100).toLocaleString('zh-CN', { maximumFractionDigits: 2 })}`;

/** A budget exactly, total or per person: the same figure as the template message and the reply (src/format.ts). */
export const budget = (fen: number, type = 'total') => (type === 'per_person' ? `人均 ${yuan(fen)}` : yuan(fen));

/** "2026-12-20" → "12月20日"; the year too when it is not this year (China time). */
export function md(iso: string, now = Date.now()): string {
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
  const thisYear = new Date(now + 8 * 3600_000).getUTCFullYear();
  return `${y === thisYear ? '' : `${y}年`}${m}月${d}日`;
}

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
