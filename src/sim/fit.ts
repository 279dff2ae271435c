/**
 * "From our data": a scenario fitted from this deployment's records of the last N days — the
 * arrival curve by hour, destinations and their weights, budgets, planners wanted, the planners
 * (how many, of which suppliers' sizes and tiers, on line when), their reaction to a release by
 * tier, proposal delays and how often none comes, and how often travelers choose — as an overlay
 * on the default scenario, with the figures in words to show before running.
 */
import type { Tier } from '../config.js';
import type { Ctx } from '../context.js';

export interface Fitted {
  days: number;
  requirements: number;
  overlay: Record<string, unknown>;
  /** What was fitted, in sentences (shown on the 模拟 page before running). */
  summary: string[];
}

export class NotEnoughData extends Error {
  override name = 'NotEnoughData';
}

/** A log-normal's median and sigma from positive samples (null below 5 of them). */
function logNormalOf(xs: number[]): { median: number; sigma: number } | null {
  const v = xs.filter((x) => x > 0 && Number.isFinite(x));
  if (v.length < 5) return null;
  const logs = v.map(Math.log);
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
  const sd = Math.sqrt(logs.reduce((a, x) => a + (x - mean) ** 2, 0) / (logs.length - 1));
  return { median: Math.round(Math.exp(mean) * 100) / 100, sigma: Math.round(Math.min(3, Math.max(0.05, sd)) * 100) / 100 };
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

export async function fitFromRecords(ctx: Ctx, days: number): Promise<Fitted> {
  const since = new Date(ctx.now() - days * 86_400_000);
  const q = <T extends Record<string, unknown>>(sql: string, values: unknown[] = [since]) =>
    ctx.pool.query<T>(sql, values).then((r) => r.rows);

  const reqs = await q<{ hour: number; n: number }>(
    `SELECT extract(hour FROM created_at + interval '8 hours')::int AS hour, count(*)::int AS n
       FROM requirements WHERE created_at >= $1 GROUP BY 1`,
  );
  const total = reqs.reduce((a, r) => a + r.n, 0);
  if (total < 30) throw new NotEnoughData(`近 ${days} 天只有 ${total} 个需求，不够拟合（至少 30 个）：请放宽天数，或用默认场景。`);
  const hourly = Array.from({ length: 24 }, (_, h) => reqs.find((r) => r.hour === h)?.n ?? 0);

  const dests = await q<{ d: string; n: number }>(
    `SELECT d, count(*)::int AS n FROM requirements, unnest(destinations) d WHERE created_at >= $1 GROUP BY d ORDER BY n DESC, d LIMIT 200`,
  );
  const shape = await q<{ budget: number; wanted: number; k: number }>(
    `SELECT (budget_fen / 100.0 / CASE WHEN budget_type = 'per_person' THEN 1 ELSE greatest(adults + children, 1) END
             / greatest(return_date - depart_date + 1, 1))::float8 AS budget,
            planners_wanted AS wanted, cardinality(destinations) AS k
       FROM requirements WHERE created_at >= $1`,
  );
  const wanted = [1, 2, 3].map((w) => shape.filter((r) => r.wanted === w).length / shape.length);
  const perTrip = [1, 2, 3].map((k) => shape.filter((r) => (k === 3 ? r.k >= 3 : r.k === k)).length / shape.length);
  const budget = logNormalOf(shape.map((r) => r.budget));

  const planners = await q<{ tier: Tier; supplier_id: number; n: number }>(
    `SELECT p.tier, p.supplier_id, count(*)::int AS n FROM planners p JOIN suppliers s ON s.id = p.supplier_id
      WHERE p.status = 'active' AND s.status = 'active' GROUP BY p.tier, p.supplier_id`,
    [],
  );
  const bySupplier = new Map<number, number>();
  for (const p of planners) bySupplier.set(p.supplier_id, (bySupplier.get(p.supplier_id) ?? 0) + p.n);
  const sizes = [...bySupplier.values()];
  const plannerCount = sizes.reduce((a, b) => a + b, 0);
  const tiers = Object.fromEntries(
    (['S', 'A', 'B', 'C'] as Tier[]).map((t) => [
      t,
      round(planners.filter((p) => p.tier === t).reduce((a, p) => a + p.n, 0) / (plannerCount || 1)),
    ]),
  );
  const large = sizes.filter((s) => s > 10);
  const mid = sizes.filter((s) => s >= 4 && s <= 10);

  // On line: the planners who tried to grab in each hour of the day, against the busiest hour.
  const online = await q<{ hour: number; n: number }>(
    `SELECT extract(hour FROM at + interval '8 hours')::int AS hour, count(DISTINCT (planner_id, at::date))::int AS n
       FROM grab_events WHERE at >= $1 AND channel <> 'dispatch' GROUP BY 1`,
  );
  const peak = Math.max(1, ...online.map((o) => o.n));
  const onlineShape = Array.from({ length: 24 }, (_, h) =>
    round(Math.max(0.02, (0.9 * (online.find((o) => o.hour === h)?.n ?? 0)) / peak)),
  );

  // Reaction: from a tier's release to each of its planners' first attempt.
  const reactions = await q<{ tier: Tier; secs: number }>(
    `SELECT p.tier, extract(epoch FROM min(g.at) - rel.released_at)::float8 AS secs
       FROM grab_events g JOIN planners p ON p.id = g.planner_id
       JOIN releases rel ON rel.requirement_id = g.requirement_id AND rel.tier = p.tier
      WHERE g.at >= $1 AND g.channel <> 'dispatch' GROUP BY p.tier, g.planner_id, g.requirement_id, rel.released_at`,
  );
  const reactionSeconds: Record<string, { median: number; sigma: number }> = {};
  for (const t of ['S', 'A', 'B', 'C'] as Tier[]) {
    const f = logNormalOf(reactions.filter((r) => r.tier === t).map((r) => r.secs));
    if (f) reactionSeconds[t] = f;
  }

  const work = await q<{ minutes: number | null; status: string }>(
    `SELECT extract(epoch FROM proposed_at - grabbed_at)::float8 / 60 AS minutes, status::text AS status
       FROM work_orders WHERE grabbed_at >= $1 AND channel <> 'dispatch'`,
  );
  const delays = logNormalOf(work.map((w) => w.minutes ?? -1));
  const expired = work.filter((w) => w.status === 'expired').length;
  const proposed = work.filter((w) => w.minutes !== null).length;
  const never = expired + proposed ? round(expired / (expired + proposed)) : null;

  const choice = await q<{ offered: number; chosen: number; proposals: number }>(
    `SELECT count(*)::int AS offered,
            count(*) FILTER (WHERE r.status IN ('chosen', 'paid'))::int AS chosen,
            coalesce(sum((SELECT count(*) FROM work_orders w WHERE w.requirement_id = r.id AND w.proposed_at IS NOT NULL)), 0)::int AS proposals
       FROM requirements r WHERE r.created_at >= $1 AND EXISTS (SELECT 1 FROM work_orders w WHERE w.requirement_id = r.id AND w.proposed_at IS NOT NULL)
        AND r.status IN ('chosen', 'paid', 'closed')`,
  );
  const c = choice[0];
  const chosenShare = c && c.offered >= 10 ? c.chosen / c.offered : null;
  // Multinomial logit with n alike proposals of utility ≈ 0.75 (price at budget, a middling fit):
  // P(choose) = n·e^0.75 / (e^outside + n·e^0.75), so outside = ln(n·e^0.75·(1−P)/P).
  const n = c?.offered ? c.proposals / c.offered : 1;
  const outside =
    chosenShare && chosenShare > 0.02 && chosenShare < 0.98
      ? round(Math.log((n * Math.exp(0.75) * (1 - chosenShare)) / chosenShare), 2)
      : null;

  const overlay: Record<string, unknown> = {
    name: `ours-${days}d`,
    description: `按本平台近 ${days} 天的记录拟合（${total} 个需求）。`,
    demand: {
      perDay: round(total / days, 1),
      hourly,
      weekday: [1, 1, 1, 1, 1, 1, 1],
      ...(dests.length
        ? { destinations: dests.length, destinationNames: dests.map((d) => d.d), destinationWeights: dests.map((d) => d.n) }
        : {}),
      ...(budget ? { perPersonDayYuan: budget } : {}),
      plannersWanted: wanted,
      destinationsPerTrip: perTrip,
    },
    supply: {
      ...(plannerCount > 0
        ? {
            suppliers: sizes.length,
            planners: plannerCount,
            largeSuppliers: large.length,
            largeShare: round(large.reduce((a, b) => a + b, 0) / plannerCount),
            midSuppliers: mid.length,
            midShare: round(mid.reduce((a, b) => a + b, 0) / plannerCount),
            tiers,
          }
        : {}),
      ...(online.length ? { online: onlineShape } : {}),
    },
    behaviour: {
      ...(Object.keys(reactionSeconds).length ? { reactionSeconds } : {}),
      proposal: {
        ...(never !== null ? { never } : {}),
        ...(delays ? { fastShare: 1, fastMinutes: delays } : {}),
      },
    },
    ...(outside !== null ? { travelers: { choice: { outside } } } : {}),
  };
  const busiest = hourly.indexOf(Math.max(...hourly));
  const summary = [
    `近 ${days} 天 ${total} 个需求（每天约 ${round(total / days, 1)} 个），最忙的是 ${busiest}–${busiest + 1} 点。`,
    dests.length
      ? `目的地 ${dests.length} 个，最多的是：${dests
          .slice(0, 5)
          .map((d) => `${d.d}（${d.n}）`)
          .join('、')}。`
      : '需求里没有目的地。',
    budget ? `人均每天预算中位 ¥${Math.round(budget.median)}。` : '预算数据不足，用默认分布。',
    `想要 1/2/3 位定制师的需求各占 ${wanted.map((w) => `${Math.round(w * 100)}%`).join(' / ')}。`,
    plannerCount
      ? `在岗定制师 ${plannerCount} 位，分属 ${sizes.length} 家供应商（${large.length} 家超过 10 人）。`
      : '没有在岗定制师：用默认的定制师人群。',
    Object.keys(reactionSeconds).length
      ? `收到释放后第一次抢的中位时间：${Object.entries(reactionSeconds)
          .map(([t, r]) => `${t} 级 ${Math.round(r.median)} 秒`)
          .join('，')}。`
      : '抢单记录不足，反应时间用默认值。',
    delays
      ? `抢到后交方案的中位时间 ${(delays.median / 60).toFixed(1)} 小时${never !== null ? `，${Math.round(never * 100)}% 超时未交` : ''}。`
      : '方案记录不足，交方案用时用默认值。',
    chosenShare !== null ? `收到方案后结束的需求里 ${Math.round(chosenShare * 100)}% 选定了方案。` : '选定记录不足，旅行者选择用默认值。',
  ];
  return { days, requirements: total, overlay, summary };
}
