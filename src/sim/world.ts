/**
 * The simulated marketplace's people, drawn from the scenario with the seed: suppliers of very
 * different sizes and their planners (tier, destinations, capacity, on-line habits, taste in
 * budgets), written to the simulation's own database as ops would have them; and the demand: every
 * traveler's requirement and behaviour, drawn before the run so that every policy meets the same
 * people (random.ts).
 */
import type { Tier } from '../config.js';
import type { Ctx } from '../context.js';
import { type Rng, stream } from './random.js';
import type { Scenario } from './scenario.js';

const CITIES = [
  '京都',
  '东京',
  '大阪',
  '北海道',
  '冲绳',
  '首尔',
  '济州岛',
  '曼谷',
  '清迈',
  '普吉岛',
  '巴厘岛',
  '新加坡',
  '吉隆坡',
  '沙巴',
  '岘港',
  '河内',
  '胡志明市',
  '暹粒',
  '马尔代夫',
  '斯里兰卡',
  '迪拜',
  '土耳其',
  '埃及',
  '摩洛哥',
  '肯尼亚',
  '南非',
  '巴黎',
  '瑞士',
  '意大利',
  '西班牙',
  '葡萄牙',
  '希腊',
  '冰岛',
  '挪威',
  '芬兰',
  '英国',
  '德国',
  '奥地利',
  '捷克',
  '新西兰',
  '澳大利亚',
  '大溪地',
  '美国西海岸',
  '纽约',
  '加拿大',
  '墨西哥',
  '秘鲁',
  '智利',
  '阿根廷',
  '云南',
  '西藏',
  '新疆',
  '青海',
  '四川',
  '贵州',
  '桂林',
  '海南',
  '张家界',
  '内蒙古',
  '长白山',
  '厦门',
  '黄山',
];

export interface SimPlanner {
  id: number;
  index: number;
  supplierId: number;
  supplierSize: number;
  tier: Tier;
  destinations: string[];
  maxActive: number;
  /** Times the scenario's hourly on-line chance. */
  activity: number;
  /** The per-person-per-day budget (yuan) they like best. */
  budgetTaste: number;
}

export interface SimTrip {
  index: number;
  at: number;
  destinations: string[];
  origin: string;
  subject: 'individual' | 'enterprise';
  adults: number;
  children: number;
  days: number;
  leadDays: number;
  budgetFen: number;
  perPersonDayYuan: number;
  plannersWanted: 1 | 2 | 3;
  notes?: string;
}

export interface World {
  destinations: string[];
  planners: SimPlanner[];
  byId: Map<number, SimPlanner>;
  suppliers: { id: number; size: number }[];
}

export function destinationNames(s: Scenario): { names: string[]; weights: number[] } {
  const d = s.demand;
  if (d.destinationNames?.length) return { names: d.destinationNames, weights: d.destinationWeights ?? d.destinationNames.map(() => 1) };
  const names = Array.from({ length: d.destinations }, (_, i) => CITIES[i] ?? `目的地${i + 1}`);
  return { names, weights: names.map((_, i) => 1 / (i + 1) ** d.destinationZipf) };
}

/** Without replacement, by weight. */
function sample<T>(rng: Rng, items: readonly T[], weights: readonly number[], n: number): T[] {
  const pool = items.map((x, i) => ({ x, w: weights[i] }));
  const out: T[] = [];
  while (out.length < n && pool.length) {
    const i = rng.weighted(pool.map((p) => p.w));
    out.push(pool[i].x);
    pool.splice(i, 1);
  }
  return out;
}

/** Supplier sizes: a few large, some mid-sized, a long tail of one- to three-planner shops; they sum to the planners. */
function supplierSizes(s: Scenario, rng: Rng): number[] {
  const { suppliers, planners, largeSuppliers: L, midSuppliers: M } = s.supply;
  const tailCount = suppliers - L - M;
  const tail = Array.from({ length: tailCount }, () => 1 + rng.weighted([0.5, 0.3, 0.2]));
  const tailTotal = tail.reduce((a, b) => a + b, 0);
  const large = Math.max(L, Math.round(planners * s.supply.largeShare));
  const mid = Math.max(M, planners - large - tailTotal);
  const spread = (count: number, total: number) => {
    if (count === 0) return [];
    const w = Array.from({ length: count }, () => rng.lognormal(1, 0.5));
    const sum = w.reduce((a, b) => a + b, 0);
    const sizes = w.map((x) => Math.max(4, Math.floor((x / sum) * total)));
    for (let i = 0; sizes.reduce((a, b) => a + b, 0) < total; i++) sizes[i % count]++;
    return sizes;
  };
  return [...spread(L, large), ...spread(M, mid), ...tail];
}

const TIER_ORDER: Tier[] = ['S', 'A', 'B', 'C'];

/** The suppliers and planners, written to the simulation's database (active, bound to a WeChat openid). */
export async function buildWorld(ctx: Ctx, s: Scenario, seed: number): Promise<World> {
  const rng = stream(seed, 'world');
  const { names, weights } = destinationNames(s);
  const sizes = supplierSizes(s, rng);
  await ctx.db.supplier.createMany({ data: sizes.map((_, i) => ({ name: `模拟供应商${String(i + 1).padStart(3, '0')}` })) });
  const supplierRows = await ctx.db.supplier.findMany({ orderBy: { id: 'asc' }, select: { id: true } });
  const planners: Omit<SimPlanner, 'id'>[] = [];
  supplierRows.forEach((row, si) => {
    for (let k = 0; k < sizes[si]; k++) {
      const tier = TIER_ORDER[rng.weighted(TIER_ORDER.map((t) => s.supply.tiers[t]))];
      const { min, max } = s.supply.destinationsPerPlanner;
      planners.push({
        index: planners.length,
        supplierId: row.id,
        supplierSize: sizes[si],
        tier,
        destinations: sample(rng, names, weights, rng.int(min, Math.min(max, names.length))),
        maxActive: s.supply.maxActive[tier],
        activity: rng.uniform(s.supply.activity.min, s.supply.activity.max),
        budgetTaste: s.demand.perPersonDayYuan.median * rng.lognormal(1, 0.45),
      });
    }
  });
  await ctx.db.planner.createMany({
    data: planners.map((p) => ({
      supplierId: p.supplierId,
      name: `定制师${p.index + 1}`,
      phone: String(13_000_000_000 + p.index),
      tier: p.tier,
      destinations: p.destinations,
      maxActive: p.maxActive,
      openid: `sim-planner-${p.index + 1}`,
    })),
  });
  const ids = await ctx.db.planner.findMany({ orderBy: { id: 'asc' }, select: { id: true } });
  const full = planners.map((p, i) => ({ ...p, id: ids[i].id }));
  return {
    destinations: names,
    planners: full,
    byId: new Map(full.map((p) => [p.id, p])),
    suppliers: supplierRows.map((r, i) => ({ id: r.id, size: sizes[i] })),
  };
}

export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Midnight in Beijing of a YYYY-MM-DD, in ms. */
export const beijingMidnight = (day: string) => Date.parse(`${day}T00:00:00+08:00`);
/** The hour of the day (0–23) in Beijing, and the day's index since `start`. */
export const hourOf = (t: number, start: number) => Math.floor(((t - start) % DAY_MS) / HOUR_MS);

/**
 * The demand of `days` days: a non-homogeneous Poisson process (the hourly curve times the weekday
 * factor times a random day factor, for over-dispersion), every requirement's attributes drawn
 * from its own stream.
 */
export function drawDemand(s: Scenario, seed: number, days: number, start: number): SimTrip[] {
  const arrivals = stream(seed, 'arrivals');
  const d = s.demand;
  const hourlyTotal = d.hourly.reduce((a, b) => a + b, 0) || 1;
  const times: number[] = [];
  for (let day = 0; day < days; day++) {
    const dow = (new Date(start + day * DAY_MS + 8 * HOUR_MS).getUTCDay() + 6) % 7; // Monday 0
    const factor = d.dayFactorSigma > 0 ? arrivals.lognormal(1, d.dayFactorSigma) : 1;
    for (let h = 0; h < 24; h++) {
      const n = arrivals.poisson(((d.perDay * d.hourly[h]) / hourlyTotal) * d.weekday[dow] * factor);
      const hourStart = start + day * DAY_MS + h * HOUR_MS;
      const inHour = Array.from({ length: n }, () => hourStart + Math.floor(arrivals.next() * HOUR_MS)).sort((a, b) => a - b);
      times.push(...inHour);
    }
  }
  const { names, weights } = destinationNames(s);
  return times.map((at, index) => {
    const r = stream(seed, 'trip', index);
    const k = 1 + r.weighted(d.destinationsPerTrip);
    const enterprise = r.chance(d.enterpriseShare);
    const adults = 1 + r.weighted(d.adults) + (enterprise ? r.int(5, 20) : 0);
    const children = r.chance(d.childrenShare) ? r.int(1, 2) : 0;
    const days = Math.max(2, Math.min(30, Math.round(r.lognormal(d.tripDays.median, d.tripDays.sigma))));
    const perPersonDayYuan = Math.max(150, r.lognormal(d.perPersonDayYuan.median, d.perPersonDayYuan.sigma));
    return {
      index,
      at,
      destinations: sample(r, names, weights, k),
      origin: r.pick(['上海', '北京', '广州', '深圳', '杭州', '成都', '南京', '武汉']),
      subject: enterprise ? 'enterprise' : 'individual',
      adults,
      children,
      days,
      leadDays: Math.max(2, Math.round(r.lognormal(d.leadDays.median, d.leadDays.sigma))),
      budgetFen: Math.round(perPersonDayYuan * (adults + children) * days) * 100,
      perPersonDayYuan,
      plannersWanted: (1 + r.weighted(d.plannersWanted)) as 1 | 2 | 3,
      notes: r.chance(d.notesShare)
        ? r.pick(['想住有特色的酒店', '带老人，行程别太赶', '想吃当地美食', '蜜月旅行', '第一次出国'])
        : undefined,
    } satisfies SimTrip;
  });
}

/** Whether a planner is on line in the hour holding `t` (their own stream: the same in every policy). */
export function onLine(s: Scenario, seed: number, p: SimPlanner, t: number, start: number): boolean {
  const hourIndex = Math.floor((t - start) / HOUR_MS);
  const chance = s.supply.online[hourOf(t, start)] * p.activity;
  return stream(seed, 'online', p.index, hourIndex).next() < chance;
}

/** The first moment from `t` the planner is on line (a message waits in WeChat until then); null: not within two days. */
export function nextOnLine(s: Scenario, seed: number, p: SimPlanner, t: number, start: number): number | null {
  if (onLine(s, seed, p, t, start)) return t;
  let h = start + Math.floor((t - start) / HOUR_MS + 1) * HOUR_MS;
  for (let i = 0; i < 48; i++, h += HOUR_MS) {
    if (onLine(s, seed, p, h, start)) return h + Math.floor(stream(seed, 'online-at', p.index, h).next() * 20 * 60_000);
  }
  return null;
}
