// Demo data: suppliers, planners of every tier, a few travelers and requirements. Idempotent.
// Run: npm run seed   (uses the same configuration as npm start: .data/ and a local Redis by default)

import { connect } from '../src/boot.js';
import { loadConfig } from '../src/config.js';
import { refreshPlanner } from '../src/grab/hot-state.js';
import { announcedReleasePlan } from '../src/grab/index.js';
import { createRequirement } from '../src/requirements/intake.js';
import { newBindCode } from '../src/wechat/bind.js';

const SUPPLIERS = [
  { name: '山海定制旅行', places: ['京都', '大阪', '东京'] },
  { name: '云途假期', places: ['巴黎', '罗马', '巴塞罗那'] },
  { name: '星野旅行社', places: ['成都', '拉萨', '京都'] },
  { name: '远方定制', places: ['冰岛', '挪威', '巴黎'] },
];
const TIERS = ['S', 'A', 'B', 'C'] as const;

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);

const { ctx, close } = await connect(loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' }));
// Releases follow the running server's TIER_DELAYS unless this command sets its own.
const serverPlan = process.env.TIER_DELAYS ? null : await announcedReleasePlan(ctx);
if (serverPlan) {
  ctx.config.releasePlan = serverPlan;
  console.log(
    `tier releases as the running server schedules them: ${ctx.config.releasePlan.map((p) => `${p.tier}:${p.delaySec}`).join(',')}`,
  );
}
const db = ctx.db;
try {
  let n = 0;
  for (const [si, s] of SUPPLIERS.entries()) {
    const supplier = await db.supplier.upsert({ where: { name: s.name }, create: { name: s.name }, update: {} });
    for (const [ti, tier] of TIERS.entries()) {
      n++;
      const phone = `1380000${String(si)}${String(ti).padStart(3, '0')}`;
      // The last planner of each supplier is left unbound, with a code to bind WeChat （绑定 <code>).
      const bound = ti < 3;
      const p = await db.planner.upsert({
        where: { phone },
        create: {
          supplierId: supplier.id,
          name: `${s.name.slice(0, 2)}·${tier}级定制师`,
          phone,
          tier,
          destinations: s.places,
          maxActive: 5 + ti,
          openid: bound ? `sandbox-planner-${n}` : null,
          ...(bound ? {} : newBindCode()),
        },
        update: {},
      });
      await refreshPlanner(ctx, p.id);
    }
  }
  const trips = [
    {
      traveler: { name: '王小明', phone: '13900000001' },
      subject: 'individual' as const,
      origin: '上海',
      destinations: ['京都', '大阪'],
      adults: 2,
      children: 1,
      budgetFen: 3_000_000,
      plannersWanted: 3 as const,
      notes: '想看红叶，住温泉旅馆',
    },
    {
      traveler: { name: '李华', phone: '13900000002' },
      subject: 'enterprise' as const,
      company: '某某科技有限公司',
      origin: '北京',
      destinations: ['巴黎'],
      adults: 20,
      children: 0,
      budgetFen: 40_000_000,
      plannersWanted: 2 as const,
      notes: '年度团建，需要会议室',
    },
    {
      traveler: { name: '赵敏', phone: '13900000003' },
      subject: 'individual' as const,
      origin: '广州',
      destinations: ['成都', '拉萨'],
      adults: 2,
      children: 0,
      budgetFen: 2_000_000,
      plannersWanted: 1 as const,
      notes: '蜜月',
    },
  ];
  let created = 0;
  for (const [i, t] of trips.entries()) {
    const existing = await db.requirement.findFirst({ where: { traveler: { phone: t.traveler.phone } } });
    if (existing) continue;
    await createRequirement(ctx, {
      ...t,
      departDate: inDays(30 + i * 7),
      returnDate: inDays(36 + i * 7),
      budgetType: 'total',
      blockedPlannerIds: [],
      blockedSupplierIds: [],
    });
    created++;
  }
  const counts = { suppliers: await db.supplier.count(), planners: await db.planner.count(), requirements: await db.requirement.count() };
  console.log(`seeded (${created} new requirements):`, counts);
  const unbound = await db.planner.findMany({
    where: { openid: null, bindCode: { not: null } },
    select: { name: true, bindCode: true, bindCodeExpiresAt: true },
    orderBy: { id: 'asc' },
  });
  for (const p of unbound)
    console.log(`bind code for ${p.name}: ${p.bindCode} (reply 绑定 ${p.bindCode}; expires ${p.bindCodeExpiresAt?.toISOString()})`);
  const codes = await db.requirement.findMany({
    where: { status: 'open' },
    select: { code: true, destinations: true },
    orderBy: { id: 'asc' },
    take: 5,
  });
  for (const r of codes)
    console.log(`requirement ${r.code} (${r.destinations.join('、')}): reply 抢 ${r.code} from a planner's sandbox phone`);
  console.log(
    `next: open ${ctx.config.PUBLIC_URL}/sandbox/phone, pick an S-tier planner (e.g. sandbox-planner-1), tap a message's 详情 or reply 抢 <code>`,
  );
  console.log('planner sessions for the API: npx tsx scripts/session.ts planner <id>');
} finally {
  await close();
}
