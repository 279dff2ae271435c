/**
 * The hand-written migration and schema.prisma agree: every model is written and read back through
 * the generated client, on a freshly migrated real PostgreSQL and on the embedded PGlite database.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createRecorder } from '../../src/grab/journal.js';
import { createPrisma, type Db, ensureDatabase } from '../../src/infra/database.js';
import { listMigrations, migrate } from '../../src/infra/migrate.js';
import { createLogger } from '../../src/log.js';
import { type Env, isolatedEnv } from '../support.js';

async function exerciseEveryModel(db: Db) {
  const supplier = await db.supplier.create({ data: { name: '模型供应商' } });
  const planner = await db.planner.create({
    data: {
      supplierId: supplier.id,
      name: '模型',
      phone: '13900000001',
      tier: 'A',
      destinations: ['京都', '大阪'],
      maxActive: 3,
      dailyQuota: 9,
      openid: 'o-1',
      bindCode: '123456',
    },
  });
  const traveler = await db.traveler.create({ data: { name: '旅客', phone: '13900000002', openid: 'o-2' } });
  const req = await db.requirement.create({
    data: {
      code: 'ABC234',
      travelerId: traveler.id,
      contactName: '旅客',
      contactPhone: '13900000002',
      subject: 'enterprise',
      company: '公司',
      origin: '上海',
      destinations: ['京都'],
      departDate: new Date('2027-03-01'),
      returnDate: new Date('2027-03-05'),
      adults: 2,
      children: 0,
      budgetFen: 5_000_000,
      budgetType: 'per_person',
      plannersWanted: 2,
      notes: '无',
      minTier: 'A',
      blockedPlannerIds: [7],
      blockedSupplierIds: [8],
      status: 'open',
      flaggedAt: new Date(),
      fullAt: null,
    },
  });
  await db.candidate.create({ data: { requirementId: req.id, plannerId: planner.id, tier: 'A', score: 0.8125 } });
  await db.release.create({ data: { requirementId: req.id, tier: 'S', releasedAt: new Date() } });
  const wo = await db.workOrder.create({
    data: {
      id: 'wo-1',
      requirementId: req.id,
      plannerId: planner.id,
      supplierId: supplier.id,
      channel: 'wechat',
      grabbedAt: new Date(),
      deadlineAt: new Date(Date.now() + 1000),
    },
  });
  await db.proposal.create({ data: { workOrderId: wo.id, itinerary: '行程', priceFen: 4_900_000 } });
  await db.grabEvent.create({ data: { requirementId: req.id, plannerId: planner.id, channel: 'h5', code: 'OK', ip: '127.0.0.1' } });
  await db.planner.update({ where: { id: planner.id }, data: { unreachableAt: new Date() } });
  await db.message.create({
    data: {
      id: 'released-r1-S-p1',
      kind: 'released',
      openid: 'o-1',
      plannerId: planner.id,
      templateId: 't',
      url: '/h5',
      data: { first: { value: '新需求' } },
    },
  });
  const msg = await db.message.update({
    where: { id: 'released-r1-S-p1' },
    data: { state: 'delivered', msgid: '2000000000000000001', sentAt: new Date(), deliveredAt: new Date(), attempts: 1 },
  });
  expect(msg).toMatchObject({ state: 'delivered', data: { first: { value: '新需求' } } });
  const account = await db.opsAccount.create({ data: { email: 'a@example.com', name: '运营', role: 'admin', passwordHash: 'scrypt$x' } });
  await db.opsAudit.create({
    data: {
      accountId: account.id,
      actor: `account:${account.id}`,
      action: 'PATCH /api/ops/planners/:id',
      target: '1',
      before: { tier: 'B' },
      after: { tier: 'A' },
    },
  });
  expect(await db.opsAudit.findFirst({ include: { account: true } })).toMatchObject({
    account: { email: 'a@example.com' },
    after: { tier: 'A' },
  });
  await db.outboxEvent.create({ data: { id: 'proposal:wo-1', event: { type: 'proposal', workOrderId: 'wo-1' } } });
  const published = await db.outboxEvent.update({ where: { id: 'proposal:wo-1' }, data: { publishedAt: new Date() } });
  expect(published).toMatchObject({ event: { type: 'proposal' } });

  const back = await db.requirement.findUniqueOrThrow({
    where: { code: 'ABC234' },
    include: {
      traveler: true,
      candidates: { include: { planner: { include: { supplier: true } } } },
      releases: true,
      workOrders: { include: { proposal: true } },
    },
  });
  expect(back).toMatchObject({ budgetType: 'per_person', blockedPlannerIds: [7], minTier: 'A', destinations: ['京都'] });
  expect(back.departDate.toISOString().slice(0, 10)).toBe('2027-03-01');
  expect(back.candidates[0].planner.supplier.name).toBe('模型供应商');
  expect(back.candidates[0].score).toBeCloseTo(0.8125);
  expect(back.workOrders[0].proposal!.priceFen).toBe(4_900_000);
  expect(await db.grabEvent.count()).toBe(1);

  // One live slot per supplier (partial unique index); an expired slot frees the supplier.
  const p2 = await db.planner.create({
    data: { supplierId: supplier.id, name: '同事', phone: '13900000003', tier: 'A', destinations: ['京都'], maxActive: 3 },
  });
  const second = {
    requirementId: req.id,
    plannerId: p2.id,
    supplierId: supplier.id,
    channel: 'h5' as const,
    grabbedAt: new Date(),
    deadlineAt: new Date(),
  };
  await expect(db.workOrder.create({ data: { id: 'wo-2', ...second } })).rejects.toThrow();
  await db.workOrder.update({ where: { id: 'wo-1' }, data: { status: 'expired' } });
  await db.workOrder.create({ data: { id: 'wo-2', ...second } });
  // And one slot per planner, ever.
  await expect(db.workOrder.create({ data: { ...second, id: 'wo-3', plannerId: planner.id } })).rejects.toThrow();
}

describe('migrations', () => {
  let env: Env;
  afterAll(async () => env?.release());

  it('apply once, are recorded as prisma migrate deploy records them, and match the schema (PostgreSQL)', async () => {
    env = await isolatedEnv();
    expect(await migrate(env.databaseUrl)).toEqual(listMigrations().map((m) => m.name));
    expect(await migrate(env.databaseUrl)).toEqual([]); // idempotent
    const c = new pg.Client({ connectionString: env.databaseUrl });
    await c.connect();
    const { rows } = await c.query('SELECT migration_name, checksum, finished_at FROM _prisma_migrations');
    await c.end();
    expect(rows.map((r) => r.migration_name)).toEqual(listMigrations().map((m) => m.name));
    expect(rows[0].checksum).toBe(listMigrations()[0].checksum);
    const { db, pool } = createPrisma(env.databaseUrl, 2);
    try {
      await exerciseEveryModel(db);
    } finally {
      await db.$disconnect();
      await pool.end();
    }
  });

  it('a `-- no-transaction` migration runs as it is: CREATE INDEX CONCURRENTLY on a table being written', async () => {
    const own = await isolatedEnv();
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    try {
      mkdirSync(join(dir, '1_table'));
      writeFileSync(
        join(dir, '1_table/migration.sql'),
        'CREATE TABLE big (id serial PRIMARY KEY, v int);\nINSERT INTO big (v) SELECT g FROM generate_series(1, 50000) g;',
      );
      mkdirSync(join(dir, '2_index'));
      writeFileSync(join(dir, '2_index/migration.sql'), '-- no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS big_v_idx ON big (v);');
      expect(await migrate(own.databaseUrl, dir)).toEqual(['1_table', '2_index']);
      expect(await migrate(own.databaseUrl, dir)).toEqual([]);
      const c = new pg.Client({ connectionString: own.databaseUrl });
      await c.connect();
      const { rows } = await c.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'big_v_idx'::regclass`);
      await c.end();
      expect(rows).toEqual([{ indisvalid: true }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await own.release();
    }
  });

  it('processes booting together on a new database migrate it once, without deadlocking on the concurrent index builds', async () => {
    const own = await isolatedEnv();
    try {
      const applied = await Promise.all([migrate(own.databaseUrl), migrate(own.databaseUrl), migrate(own.databaseUrl)]);
      expect(applied.flat().sort()).toEqual(listMigrations().map((m) => m.name));
    } finally {
      await own.release();
    }
  });

  it('the embedded database runs the same migrations and queries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pglite-'));
    const database = await ensureDatabase(undefined, dir, createLogger('silent'));
    const { db, pool } = createPrisma(database.url, 2);
    try {
      expect(database.embedded).toBe(true);
      expect(await migrate(database.url)).toEqual(listMigrations().map((m) => m.name));
      await exerciseEveryModel(db);
      // Two processes' pools on it (WEB_CONCURRENCY=2): PGlite has one session behind every
      // connection, so the hot statements run unnamed there (a second Parse of a name would fail
      // "already exists"). Each records a win, warmed first; the second takes the last slot.
      const req = await db.requirement.update({ where: { code: 'ABC234' }, data: { status: 'open', plannersWanted: 4 } });
      const processes = [createPrisma(database.url, 1, true), createPrisma(database.url, 1, true)];
      try {
        for (const [i, { pool: one }] of processes.entries()) {
          const recorder = createRecorder(one, 3600);
          await recorder.warm();
          const s = await db.supplier.create({ data: { name: `另一家${i}` } });
          const p = await db.planner.create({
            data: { supplierId: s.id, name: `第${i}位`, phone: `1390000001${i}`, tier: 'A', destinations: ['京都'], maxActive: 3 },
          });
          await recorder.record({
            id: `wo-e${i}`,
            requirementId: req.id,
            plannerId: p.id,
            supplierId: s.id,
            channel: 'h5',
            at: Date.now(),
            madeFull: i === 1,
          });
        }
      } finally {
        for (const p of processes) await p.pool.end();
      }
      expect(await db.workOrder.count({ where: { id: { in: ['wo-e0', 'wo-e1'] } } })).toBe(2);
      expect((await db.requirement.findUniqueOrThrow({ where: { id: req.id } })).status).toBe('full');
    } finally {
      await db.$disconnect();
      await pool.end();
      await database.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
