/**
 * Poison events: an event a listener keeps failing on goes to dead_letters after N attempts AND an
 * hour (here: 3 attempts and 1.5 s), without holding up the good events behind it; an outage
 * shorter than the hour buries nothing however many attempts it causes. Ops see it (API, console
 * page, metrics), retry it (to that listener only) or discard it, and both are audited.
 */
import { expect, it } from 'vitest';
import { type DomainEvent, deadLetters, type Listener, listen } from '../../src/events/index.js';
import { upsertAccount } from '../../src/ops/index.js';
import { call, ops, phone, until, withApp } from '../support.js';

const h = withApp();
let n = 0;

function failing(shouldFail: (e: DomainEvent) => boolean) {
  const handled: number[] = [];
  const tries = new Map<number, number>();
  const l: Listener = {
    name: `poison-${++n}`,
    applicableEvents: ['released'],
    async handle(e) {
      const r = (e as { requirementId: number }).requirementId;
      tries.set(r, (tries.get(r) ?? 0) + 1);
      if (shouldFail(e)) throw new Error(`cannot handle requirement ${r}`);
      handled.push(r);
    },
  };
  return { l, handled, tries };
}

const released = (requirementId: number) => ({
  type: 'released' as const,
  requirementId,
  tier: 'S' as const,
  plannerIds: [1],
  at: Date.now(),
});
const keep = () => ({ ...deadLetters(h.app.ctx), attempts: 3, afterMs: 1_500 });

it('a poison event is dead-lettered after N attempts and the hour; the events behind it go through; retry and discard are audited', async () => {
  const broken = new Set([910_001]);
  const { l, handled, tries } = failing((e) => broken.has((e as { requirementId: number }).requirementId));
  const other = failing(() => false); // a second listener that handles everything: a retry must not reach it
  const running = listen(h.app.ctx.redis, [l, other.l], { log: h.app.ctx.log, retryMs: 100, blockMs: 100, deadLetter: keep() });
  await running.ready;
  try {
    const poison = await h.app.ctx.events.publish(released(910_001));
    await h.app.ctx.events.publish(released(910_002));
    await until(() => handled.includes(910_002), 10_000); // not held up behind the poison
    const row = await until(() => h.app.ctx.db.deadLetter.findFirst({ where: { listener: l.name } }), 15_000, 100);
    expect(row).toMatchObject({ eventId: poison.id, status: 'dead', error: 'cannot handle requirement 910001' });
    expect(row.attempts).toBeGreaterThanOrEqual(3);
    expect(row.deadAt.getTime() - row.firstFailedAt.getTime()).toBeGreaterThanOrEqual(1_500);
    const triesAtDeath = tries.get(910_001)!;
    // Acknowledged: no more attempts once it is dead.
    await new Promise((ok) => setTimeout(ok, 600));
    expect(tries.get(910_001)).toBe(triesAtDeath);
    expect(other.tries.get(910_001)).toBe(1);

    // Ops see it: the API, the console page, the metrics.
    const list = await ops(h.app.url).get('/dead-letters?status=dead');
    expect(list.body.items.find((x: { id: number }) => x.id === row.id)).toMatchObject({
      listener: l.name,
      type: 'released',
      requirementId: 910_001,
    });
    expect((await ops(h.app.url).get('/dead-letters?status=nope')).body.error.field).toBe('status');
    const metrics = await (await fetch(`${h.app.url}/metrics`, { headers: { authorization: 'Bearer test-ops-token-0123456789' } })).text();
    expect(metrics).toMatch(new RegExp(`events_dead_lettered_total\\{listener="${l.name}"[^}]*\\} 1`));
    expect(metrics).toMatch(/marketplace_backlog\{what="dead_letters"[^}]*\} [1-9]/);

    const a = await upsertAccount(h.app.ctx, { email: `dl-${phone()}@example.com`, role: 'admin', name: '值班' });
    const signIn = await fetch(`${h.app.url}/api/ops/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: h.app.url },
      body: JSON.stringify({ email: a.email, password: a.password }),
    });
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0];
    const page = await (await fetch(`${h.app.url}/ops/events`, { headers: { cookie } })).text();
    expect(page).toContain('处理失败的事件');
    expect(page).toContain('cannot handle requirement 910001');
    expect(page).toContain(`/api/ops/dead-letters/${row.id}/retry`);

    // Fixed, then retried from the console's form: handled by that listener, not by the other again.
    broken.clear();
    const retried = await call(h.app.url, 'POST', `/api/ops/dead-letters/${row.id}/retry`, {}, { cookie, origin: h.app.url });
    expect(retried).toMatchObject({ status: 200, body: { status: 'retried' } });
    await until(() => handled.includes(910_001), 10_000);
    await new Promise((ok) => setTimeout(ok, 300));
    expect(other.tries.get(910_001)).toBe(1);
    const again = await call(h.app.url, 'POST', `/api/ops/dead-letters/${row.id}/retry`, {}, { cookie, origin: h.app.url });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT', field: 'id' } } });
    const audit = await h.app.ctx.db.opsAudit.findFirst({ where: { accountId: a.id }, orderBy: { id: 'desc' } });
    expect(audit?.action).toBe('POST /api/ops/dead-letters/:id/retry');
    expect(audit?.target).toContain(String(row.id));

    // Another poison, discarded.
    broken.add(910_003);
    await h.app.ctx.events.publish(released(910_003));
    const second = await until(() => h.app.ctx.db.deadLetter.findFirst({ where: { listener: l.name, status: 'dead' } }), 15_000, 100);
    const discarded = await call(h.app.url, 'POST', `/api/ops/dead-letters/${second.id}/discard`, {}, { cookie, origin: h.app.url });
    expect(discarded.body.status).toBe('discarded');
    expect((await h.app.ctx.db.deadLetter.findUniqueOrThrow({ where: { id: second.id } })).resolvedBy).toContain('值班');
  } finally {
    await running.close();
  }
});

it('an outage shorter than the hour buries nothing, however many attempts it causes', async () => {
  let down = true;
  const { l, handled, tries } = failing(() => down);
  const running = listen(h.app.ctx.redis, [l], {
    log: h.app.ctx.log,
    retryMs: 50,
    blockMs: 100,
    deadLetter: { ...keep(), afterMs: 60_000 },
  });
  await running.ready;
  try {
    await h.app.ctx.events.publish(released(920_001));
    await until(() => (tries.get(920_001) ?? 0) >= 6, 15_000);
    down = false; // the outage ends
    await until(() => handled.includes(920_001), 10_000);
    expect(await h.app.ctx.db.deadLetter.count({ where: { listener: l.name } })).toBe(0);
  } finally {
    await running.close();
  }
});
