/**
 * A broadcast cancelled while WeChat is slower than our timeout (#26): messages already handed to
 * WeChat may land on phones though their answer never came. Cancel leaves those to finish (a retry
 * carries the same client_msg_id, so each phone shows it once) and the record says how many went —
 * never "0 sent" while phones had the message.
 */
import { expect, it } from 'vitest';
import { factories } from '../factories.js';
import { call, ops, phone, until, withApp } from '../support.js';

const h = withApp({ UPSTREAM_TIMEOUT_MS: '300' });

const inbox = async (openid: string) =>
  ((await call(h.app.url, 'GET', `/sandbox/users/${openid}/inbox`)).body.items as { templateId?: string }[]).filter(
    (m) => m.templateId === 'sandbox-broadcast',
  );

it('cancelled while WeChat answers too late: what WeChat took is counted as sent, once per phone', async () => {
  const make = factories(h.app.ctx);
  const s = await make.supplier({ name: `慢微信社-${phone()}` });
  const ids: { id: number; openid: string }[] = [];
  for (let i = 0; i < 3; i++) {
    const p = await make.planner({ supplierId: s.id, name: `慢${i}`, destinations: ['慢地'], maxActive: 3, openid: `o-slow-${phone()}` });
    ids.push({ id: p.id, openid: p.openid! });
  }
  // One message first, at WeChat's normal speed: the access token is fetched and shared before it slows down.
  const warm = (
    await ops(h.app.url).post('/broadcasts', {
      audience: { plannerIds: [ids[0].id] },
      channels: ['template'],
      title: '预热',
      body: '先来一条。',
    })
  ).body;
  await ops(h.app.url).post(`/broadcasts/${warm.id}/send`, {});
  await until(
    async () => (await h.app.ctx.db.message.count({ where: { broadcastId: warm.id, state: { in: ['sent', 'delivered'] } } })) === 1,
  );
  const before = await Promise.all(ids.map(async (p) => (await inbox(p.openid)).length));
  await call(h.app.url, 'POST', '/sandbox/faults', { slowMs: 1000 }); // WeChat answers after our 300 ms timeout
  const b = (
    await ops(h.app.url).post('/broadcasts', {
      audience: { plannerIds: ids.map((p) => p.id) },
      channels: ['template'],
      title: '慢慢来',
      body: '微信很慢的时候取消。',
    })
  ).body;
  await ops(h.app.url).post(`/broadcasts/${b.id}/send`, {});
  // Every message handed to WeChat (tried once), none answered.
  await until(async () => (await h.app.ctx.db.message.count({ where: { broadcastId: b.id, attempts: { gte: 1 } } })) === 3);
  expect((await ops(h.app.url).post(`/broadcasts/${b.id}/cancel`, {})).body.status).toBe('cancelled');
  // The phones have it (WeChat took it, late); WeChat is quick again and the retries learn it went.
  await until(async () => (await Promise.all(ids.map((p, i) => inbox(p.openid).then((m) => m.length - before[i])))).every((n) => n >= 1));
  await call(h.app.url, 'POST', '/sandbox/faults', { slowMs: 0 });
  const v = await until(async () => {
    const x = (await ops(h.app.url).get(`/broadcasts/${b.id}`)).body;
    return x.byChannel.template.queued === 0 ? x : null;
  });
  expect(v.counts.sent).toBe(3);
  expect(v.byChannel.template.sent).toBe(3);
  // Once each, retries included (the first planner also has the warm-up).
  for (const [i, p] of ids.entries()) expect(await inbox(p.openid)).toHaveLength(before[i] + 1);
});
