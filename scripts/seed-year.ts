/**
 * A year of a busy marketplace (ten times one), written fast: `npm run seed:year [-- --scale 0.1]
 * [--database-url URL]`. At scale 1: 1,500 suppliers, 5,000 planners, 700k travelers, 1M
 * requirements over 365 days (with their releases and candidates), 3M work orders, 2M proposals,
 * 50M grab attempts, 10M template messages, 300k deposits with their refunds and payment events, and
 * the ops audit to match. Rows are generated inside PostgreSQL (INSERT … SELECT over
 * generate_series, in chunks): no API, no round trip per row, and no client-side COPY stream to
 * feed — the same bulk path as COPY, without its transfer. Deterministic (hashes of the row number,
 * no random()). The last three days stay live: open and full requirements, active work orders,
 * pending deposits, so boot, the reconciler and the schedule rebuild have today's work beside the year.
 *
 * Without --database-url it (re)creates the database `dz_year` on the local PostgreSQL and migrates it.
 * Prints each step's rows and seconds, and writes them to bench-results/year-seed.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { migrate } from '../src/infra/migrate.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const SCALE = Number(arg('scale') ?? 1);
if (!(SCALE > 0 && SCALE <= 1)) throw new Error('--scale: a number in (0, 1]');
const ADMIN = process.env.PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const URL_ = arg('database-url') ?? ADMIN.replace(/\/[^/]*$/, '/dz_year');

const N = Math.round(1_000_000 * SCALE); // requirements
const SUPPLIERS = Math.max(30, Math.round(1_500 * SCALE));
const PLANNERS = Math.max(100, Math.round(5_000 * SCALE));
const TRAVELERS = Math.round(N * 0.7);
const CHUNK = 50_000; // requirements per statement
const PLACES = [
  '京都',
  '大阪',
  '东京',
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
  '马尔代夫',
  '迪拜',
  '伊斯坦布尔',
  '巴黎',
  '罗马',
  '巴塞罗那',
  '瑞士',
  '冰岛',
  '挪威',
  '伦敦',
  '纽约',
  '洛杉矶',
  '夏威夷',
  '悉尼',
  '新西兰',
  '开罗',
  '肯尼亚',
  '云南',
  '西藏',
  '新疆',
  '四川',
  '桂林',
  '海南',
  '敦煌',
  '张家界',
  '黄山',
  '厦门',
];
const placesSql = `ARRAY[${PLACES.map((p) => `'${p}'`).join(',')}]`;
/** A deterministic number in [0, 1) from a row number and a salt. */
const u = (expr: string, salt: number) => `(('x' || substr(md5((${expr})::text || '-${salt}'), 1, 8))::bit(32)::bigint / 4294967296.0)`;

const timings: { step: string; rows: number; seconds: number }[] = [];
async function step(c: pg.Client, name: string, sql: string | string[]) {
  const t0 = performance.now();
  let rows = 0;
  for (const s of Array.isArray(sql) ? sql : [sql]) rows += (await c.query(s)).rowCount ?? 0;
  const seconds = (performance.now() - t0) / 1000;
  timings.push({ step: name, rows, seconds: Math.round(seconds * 10) / 10 });
  console.log(`${name.padEnd(16)} ${rows.toLocaleString('en').padStart(12)} rows  ${seconds.toFixed(1)} s`);
}
const chunks = (f: (from: number, to: number) => string) => {
  const out: string[] = [];
  for (let from = 1; from <= N; from += CHUNK) out.push(f(from, Math.min(N, from + CHUNK - 1)));
  return out;
};

async function main() {
  if (!arg('database-url')) {
    const admin = new pg.Client({ connectionString: ADMIN });
    await admin.connect();
    await admin.query('DROP DATABASE IF EXISTS dz_year WITH (FORCE)');
    await admin.query('CREATE DATABASE dz_year');
    await admin.end();
  }
  await migrate(URL_);
  const c = new pg.Client({ connectionString: URL_ });
  await c.connect();
  await c.query(`SET synchronous_commit = off; SET work_mem = '256MB'; SET maintenance_work_mem = '1GB'`);
  const t0 = performance.now();
  // Indexes of the biggest tables are made after their rows (far faster than row by row).
  const late = await c.query<{ def: string; name: string }>(
    `SELECT indexdef AS def, indexname AS name FROM pg_indexes WHERE tablename IN ('grab_events', 'messages', 'candidates') AND indexname NOT LIKE '%_pkey'`,
  );
  for (const i of late.rows) await c.query(`DROP INDEX ${i.name}`);
  const now = `(TIMESTAMP '${new Date().toISOString().slice(0, 19).replace('T', ' ')}')`;
  // Requirement i was created at: spread over the year, oldest first.
  const created = (i: string) => `(${now} - make_interval(secs => (365 * 86400.0) * (1 - (${i})::float8 / ${N}) + 60))`;
  const live = (i: string) => `((${i}) > ${N} - ${Math.round(N * (3 / 365))})`; // the last three days

  await step(
    c,
    'suppliers',
    `INSERT INTO suppliers (id, name, status, created_at) SELECT s, '年度供应商' || s, CASE WHEN s % 97 = 0 THEN 'suspended'::"Status" ELSE 'active' END, ${now} - interval '400 days'
       FROM generate_series(1, ${SUPPLIERS}) s`,
  );
  // A long tail: supplier of planner p is skewed towards small ids (big agencies hold many planners).
  await step(
    c,
    'planners',
    `INSERT INTO planners (id, supplier_id, name, phone, tier, destinations, max_active, status, openid, created_at)
     SELECT p, 1 + floor(${SUPPLIERS} * power(${u('p', 1)}, 2))::int, '定制师' || p, '139' || lpad(p::text, 8, '0'),
            (ARRAY['S','A','A','B','B','B','C','C','C','C'])[1 + (p % 10)]::"Tier",
            ARRAY[(${placesSql})[1 + p % 40], (${placesSql})[1 + (p * 7) % 40], (${placesSql})[1 + (p * 13) % 40]],
            5 + p % 10, CASE WHEN p % 211 = 0 THEN 'suspended'::"Status" ELSE 'active' END, 'o-year-p' || p, ${now} - interval '400 days'
       FROM generate_series(1, ${PLANNERS}) p`,
  );
  await step(
    c,
    'travelers',
    chunks(
      (a, b) => `INSERT INTO travelers (id, name, phone, openid, created_at, phone_verified_at)
       SELECT t, '旅客' || t, '138' || lpad(t::text, 8, '0'), 'o-year-t' || t, ${created(`t * ${N}.0 / ${TRAVELERS}`)}, CASE WHEN t % 3 = 0 THEN ${now} END
         FROM generate_series(${Math.ceil((a * TRAVELERS) / N)}, ${Math.floor((b * TRAVELERS) / N)}) t`,
    ),
  );
  // Status by age: the last three days open, full or chosen; the rest closed, paid, cancelled, chosen.
  await step(
    c,
    'requirements',
    chunks(
      (
        a,
        b,
      ) => `INSERT INTO requirements (id, code, traveler_id, subject, company, origin, destinations, depart_date, return_date, adults, children,
          budget_fen, budget_type, planners_wanted, notes, min_tier, status, flagged_at, created_at, full_at, closed_reason, closed_at, contact_name, contact_phone)
       SELECT i, 'Y' || upper(to_hex(i + 1048576)), 1 + ((i::bigint * 7919) % ${TRAVELERS})::int,
              CASE WHEN i % 9 = 0 THEN 'enterprise'::"Subject" ELSE 'individual' END, CASE WHEN i % 9 = 0 THEN '公司' || (i % 500) END,
              (ARRAY['上海','北京','广州','深圳','杭州','成都'])[1 + i % 6],
              ARRAY[(${placesSql})[1 + floor(40 * power(${u('i', 2)}, 1.5))::int]],
              (${created('i')} + interval '30 days')::date, (${created('i')} + interval '37 days')::date,
              1 + i % 4, i % 3, (10 + floor(${u('i', 3)} * 190))::int * 100000, 'total', 1 + (i % 3 + 1) % 3 + (CASE WHEN i % 3 = 0 THEN 1 ELSE 0 END),
              CASE WHEN i % 4 = 0 THEN '希望住得安静一点' END, 'C',
              CASE WHEN ${live('i')} THEN (ARRAY['open','open','full','chosen'])[1 + i % 4]::"RequirementStatus"
                   ELSE (ARRAY['closed','closed','closed','paid','paid','paid','chosen','cancelled','closed','paid'])[1 + i % 10]::"RequirementStatus" END,
              CASE WHEN i % 50 = 0 THEN ${created('i')} + interval '1 hour' END,
              ${created('i')}, ${created('i')} + interval '20 minutes',
              CASE WHEN NOT ${live('i')} AND (i % 10) IN (0, 1, 2, 8) THEN '方案未被选中' WHEN NOT ${live('i')} AND i % 10 = 7 THEN '旅客取消' END,
              CASE WHEN NOT ${live('i')} AND (i % 10) IN (0, 1, 2, 7, 8) THEN ${created('i')} + interval '5 days' END,
              '联系人' || i, '137' || lpad(i::text, 8, '0')
         FROM generate_series(${a}, ${b}) i`,
    ),
  );
  await step(
    c,
    'releases',
    chunks(
      (a, b) => `INSERT INTO releases (requirement_id, tier, released_at)
       SELECT i, t.tier::"Tier", ${created('i')} + t.after FROM generate_series(${a}, ${b}) i
       CROSS JOIN (VALUES ('S', interval '0'), ('A', interval '15 minutes')) t(tier, after) WHERE t.tier = 'S' OR i % 5 <> 0`,
    ),
  );
  await step(
    c,
    'candidates',
    chunks(
      (a, b) => `INSERT INTO candidates (requirement_id, planner_id, tier, score)
       SELECT i, 1 + (i * 31 + k * 977) % ${PLANNERS}, 'A', ${u('i * 10 + k', 4)} FROM generate_series(${a}, ${b}) i, generate_series(0, 5) k ON CONFLICT DO NOTHING`,
    ),
  );
  // Up to three work orders a requirement, of three different suppliers' planners.
  await step(
    c,
    'work_orders',
    chunks(
      (
        a,
        b,
      ) => `INSERT INTO work_orders (id, requirement_id, planner_id, supplier_id, status, channel, grabbed_at, deadline_at, proposed_at, ended_at)
       SELECT md5('wo' || i || '-' || k)::uuid::text, i, p.id, p.supplier_id,
              CASE WHEN ${live('i')} THEN (CASE WHEN k = 0 AND i % 4 = 3 THEN 'chosen' WHEN k = 2 THEN 'active' ELSE 'proposed' END)::"WorkOrderStatus"
                   WHEN i % 10 IN (3, 4, 5, 6, 9) AND k = 0 THEN 'chosen' WHEN k = 2 AND i % 7 = 0 THEN 'expired' ELSE 'closed' END,
              (ARRAY['h5','h5','pc','wechat','dispatch'])[1 + (i + k) % 5]::"Channel",
              ${created('i')} + make_interval(secs => 20 + k * 40), ${created('i')} + interval '48 hours',
              CASE WHEN k < 2 OR i % 3 = 0 THEN ${created('i')} + make_interval(hours => 2 + k) END,
              CASE WHEN NOT ${live('i')} THEN ${created('i')} + interval '5 days' END
         FROM generate_series(${a}, ${b}) i CROSS JOIN generate_series(0, 2) k
         JOIN planners p ON p.id = 1 + ((i * 37 + k * 1543) % ${PLANNERS})
        WHERE k < CASE WHEN i % 10 = 9 THEN 2 ELSE 3 END
       ON CONFLICT DO NOTHING`,
    ),
  );
  await step(
    c,
    'proposals',
    chunks(
      (a, b) => `INSERT INTO proposals (work_order_id, itinerary, price_fen, created_at)
       SELECT w.id, '第1天：抵达，第2天：市区，第3天：郊外，第4天：返程', 1000000 + (w.requirement_id % 50) * 100000, w.proposed_at
         FROM work_orders w WHERE w.requirement_id BETWEEN ${a} AND ${b} AND w.proposed_at IS NOT NULL`,
    ),
  );
  // Fifty attempts a requirement: wins, and refusals by their real codes, from many planners.
  await step(
    c,
    'grab_events',
    chunks(
      (a, b) => `INSERT INTO grab_events (requirement_id, planner_id, channel, code, ip, at)
       SELECT i, 1 + (i * 13 + k * 101) % ${PLANNERS}, (ARRAY['h5','h5','h5','pc','wechat'])[1 + k % 5]::"Channel",
              (ARRAY['OK','FULL','FULL','FULL','NOT_RELEASED','NOT_RELEASED','SUPPLIER_HOLDS_SLOT','RATE_LIMITED','OK_REPEAT','NOT_CANDIDATE','FULL','FULL','OVER_CAPACITY','FULL','FULL','FULL'])[1 + (i + k) % 16],
              '10.0.' || (k % 250) || '.' || (i % 250), ${created('i')} + make_interval(secs => k * 3)
         FROM generate_series(${a}, ${b}) i, generate_series(0, 49) k`,
    ),
  );
  await step(
    c,
    'messages',
    chunks(
      (
        a,
        b,
      ) => `INSERT INTO messages (id, kind, openid, planner_id, requirement_id, template_id, data, state, msgid, attempts, created_at, sent_at, delivered_at)
       SELECT 'y' || i || '-' || k, (ARRAY['released','released','released','released','released','won','won','proposal','chosen','taken'])[1 + k],
              'o-year-p' || (1 + (i * 17 + k * 211) % ${PLANNERS}), 1 + (i * 17 + k * 211) % ${PLANNERS}, i, 'tpl-year', '{}'::jsonb,
              CASE WHEN ${live('i')} AND k > 7 THEN 'queued'::"MessageState" WHEN (i + k) % 50 = 0 THEN 'failed' ELSE 'delivered' END,
              NULL, 1, ${created('i')} + make_interval(secs => k * 30), ${created('i')} + make_interval(secs => k * 30 + 1), ${created('i')} + make_interval(secs => k * 30 + 3)
         FROM generate_series(${a}, ${b}) i, generate_series(0, 9) k`,
    ),
  );
  // A deposit for each chosen or paid requirement (about 30%), on its chosen work order.
  await step(
    c,
    'deposits',
    chunks(
      (
        a,
        b,
      ) => `INSERT INTO deposits (out_trade_no, requirement_id, work_order_id, traveler_id, openid, amount_fen, status, prepay_id, prepaid_at, expires_at, transaction_id, paid_at, refunded_fen, created_at)
       SELECT 'DZY' || r.id, r.id, w.id, r.traveler_id, 'o-year-t' || r.traveler_id, 200000,
              CASE WHEN r.status = 'paid' THEN (CASE WHEN r.id % 10 = 3 THEN 'refunded' ELSE 'paid' END)::"DepositStatus" ELSE 'pending' END,
              'wx' || r.id, r.created_at + interval '3 days', r.created_at + interval '3 days 30 minutes',
              CASE WHEN r.status = 'paid' THEN '42000' || r.id END, CASE WHEN r.status = 'paid' THEN r.created_at + interval '3 days 5 minutes' END,
              CASE WHEN r.status = 'paid' AND r.id % 10 = 3 THEN 200000 ELSE 0 END, r.created_at + interval '3 days'
         FROM requirements r JOIN work_orders w ON w.requirement_id = r.id AND w.status = 'chosen'
        WHERE r.id BETWEEN ${a} AND ${b} AND r.status IN ('chosen', 'paid') AND NOT (r.status = 'chosen' AND NOT ${live('r.id')})`,
    ),
  );
  await step(c, 'refunds', [
    `INSERT INTO refunds (out_refund_no, out_trade_no, amount_fen, reason, status, refund_id, requested_by, created_at, finished_at)
     SELECT 'RFY' || requirement_id, out_trade_no, 200000, '行程取消', 'success', '50000' || requirement_id, '运营', paid_at + interval '2 days', paid_at + interval '2 days 1 minute'
       FROM deposits WHERE status = 'refunded'`,
  ]);
  await step(c, 'payment_events', [
    `INSERT INTO payment_events (out_trade_no, what, who, detail, at)
     SELECT out_trade_no, e.what, e.who, '{}'::jsonb, created_at + e.after FROM deposits
     CROSS JOIN (VALUES ('prepay', 'traveler', interval '0'), ('paid', 'notify', interval '5 minutes')) e(what, who, after)
      WHERE e.what = 'prepay' OR status <> 'pending'`,
  ]);
  await step(c, 'ops_accounts', [
    `INSERT INTO ops_accounts (email, name, role, password_hash) SELECT 'year' || a || '@example.com', '运营' || a, CASE WHEN a = 1 THEN 'admin' ELSE 'ops' END, 'x' FROM generate_series(1, 20) a`,
  ]);
  await step(
    c,
    'ops_audit',
    `INSERT INTO ops_audit (account_id, actor, action, target, before, after, ip, at)
     SELECT 1 + a % 20, '运营' || (1 + a % 20), (ARRAY['POST /api/ops/requirements/:id/dispatch','PATCH /api/ops/planners/:id','POST /api/ops/requirements/:id/close','POST /api/ops/broadcasts'])[1 + a % 4],
            (1 + a * 10 % ${N})::text, '{"status":"open"}'::jsonb, '{"status":"closed"}'::jsonb, '10.1.0.1', ${created(`a * 10`)}
       FROM generate_series(1, ${Math.round(N / 10)}) a`,
  );
  for (const t of [
    'suppliers',
    'planners',
    'travelers',
    'requirements',
    'proposals',
    'grab_events',
    'payment_events',
    'ops_accounts',
    'ops_audit',
  ])
    await c.query(`SELECT setval(pg_get_serial_sequence('${t}', 'id'), (SELECT max(id) FROM ${t}))`);
  await step(
    c,
    'late indexes',
    late.rows.map((i) => i.def),
  );
  await step(c, 'vacuum analyze', ['VACUUM ANALYZE']);
  const total = (performance.now() - t0) / 1000;
  const size = (await c.query<{ s: string }>(`SELECT pg_size_pretty(pg_database_size(current_database())) AS s`)).rows[0].s;
  console.log(`a year at scale ${SCALE}: ${total.toFixed(0)} s, ${size}`);
  await c.end();
  const out = join(import.meta.dirname, '../bench-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'year-seed.json'),
    `${JSON.stringify({ scale: SCALE, database: URL_.replace(/\/\/[^@]*@/, '//'), seconds: Math.round(total), size, steps: timings }, null, 2)}\n`,
  );
}

await main();
