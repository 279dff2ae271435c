/**
 * How money, dates and times are written, in one place: to people in China Standard Time (UTC+8),
 * to PostgreSQL `timestamp(3)` columns in UTC (as Prisma writes them).
 */
const CST_MS = 8 * 3600_000;

// One formatter, made once: toLocaleString with options builds a new one on every call, which was
// the worker's largest single cost when a release wrote fifty messages (bench-results/profiles/worker.svg).
const YUAN = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** Exact, as the pages show it: 3000000 fen → "30,000元"; 5880000 → "58,800元"; 45050 → "450.5元". */
export const yuan = (fen: number) => `${YUAN.format(fen / 100)}元`;

/** A budget, total or per person, the same words in messages, replies and pages. */
export const budget = (fen: number, type: string) => (type === 'per_person' ? `人均${yuan(fen)}` : yuan(fen));

/** A party as people say it: "2成人1儿童", "20成人" (never "20大0小"). */
export const partyWords = (adults: number, children: number) => (children ? `${adults}成人${children}儿童` : `${adults}成人`);

/** A trip's dates with their year: "2026.12.20~12.27", "2026.12.28~2027.01.03" (stored at UTC midnight). */
export function tripDates(depart: Date, ret: Date): string {
  const d = isoDay(depart).replaceAll('-', '.');
  const r = isoDay(ret).replaceAll('-', '.');
  return `${d}~${r.slice(0, 4) === d.slice(0, 4) ? r.slice(5) : r}`;
}

/** A calendar date (stored at UTC midnight) as "MM-DD". */
/** A calendar date (a trip's day: stored as midnight UTC) as YYYY-MM-DD. */
export const isoDay = (d: Date) => d.toISOString().slice(0, 10);

export const monthDay = (d: Date) => d.toISOString().slice(5, 10);

/** An instant as "YYYY-MM-DD HH:mm" in China time (what a template's `time` value takes). */
export const chinaDateTime = (d: Date) => new Date(d.getTime() + CST_MS).toISOString().slice(0, 16).replace('T', ' ');

/** An amount as a template's `amount` value takes it: digits, no separators, 元. */
export const plainYuan = (fen: number) => `${Number((fen / 100).toFixed(2))}元`;

/** An instant as "MM-DD HH:mm" in China time. */
export const chinaTime = (d: Date) => new Date(d.getTime() + CST_MS).toISOString().slice(5, 16).replace('T', ' ');

/** Today's date in China as "YYYY-MM-DD" (days, quotas and "not in the past" follow China's midnight). */
/** Text for HTML (element content and quoted attributes). */
export const esc = (t: unknown) => String(t ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const chinaDate = (ms: number) => new Date(ms + CST_MS).toISOString().slice(0, 10);

/** The instant a China date ("YYYY-MM-DD") begins, and the one after it ends. */
export const chinaDateStart = (date: string) => new Date(`${date}T00:00:00+08:00`);
export const chinaDateEnd = (date: string) => new Date(chinaDateStart(date).getTime() + 86_400_000);

/** An instant in RFC 3339 at China time, as WeChat Pay writes times (`2026-11-26T10:00:00+08:00`). */
export const rfc3339 = (ms: number) => `${new Date(ms + CST_MS).toISOString().slice(0, 19)}+08:00`;

/** The instant China's current day began. */
export const chinaDayStart = (ms: number) => new Date(Date.parse(`${chinaDate(ms)}T00:00:00+08:00`));

/** An instant as a PostgreSQL timestamp literal in UTC, for raw SQL beside Prisma's columns. */
export const sqlUtc = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
