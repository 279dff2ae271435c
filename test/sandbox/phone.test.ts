/**
 * The sandbox phone, as a person uses it: a release message arrives, they reply 抢 <code> in the
 * box, and read 抢单成功. Also: late replies become customer-service messages; follow/unfollow and
 * menu clicks.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Running } from '../../src/boot.js';
import { liveKeys, wechatKeys } from '../../src/infra/keys.js';
import { appendForUser } from '../../src/live/index.js';
import { sendAsWechat } from '../../src/sandbox/phone.js';
import { sign } from '../../src/wechat/crypto.js';
import { lateReply, openWindow } from '../../src/wechat/index.js';
import { cdata } from '../../src/wechat/xml.js';
import { type Env, isolatedEnv, ops, phone, requirementBody, startApp, until } from '../support.js';

let env: Env;
let app: Running;
let late: Running;

beforeAll(async () => {
  env = await isolatedEnv();
  app = await startApp(env);
  // Every reply misses the window. One deployment: the same PUBLIC_URL (any process's listeners may render a message's link).
  late = await startApp(env, { ROLE: 'web', WECHAT_REPLY_WITHIN_MS: '1', PUBLIC_URL: app.ctx.config.PUBLIC_URL });
});
afterAll(async () => {
  await late?.stop();
  await app?.stop();
  await env?.release();
});

async function send(openid: string, text: string) {
  const res = await fetch(`${app.url}/sandbox/phone/${openid}/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ text }),
    redirect: 'manual',
  });
  expect(res.status).toBe(302);
  return (await fetch(`${app.url}/sandbox/phone/${openid}`)).text();
}

it('a release arrives on the phone; replying 抢 <code> in the box reads 抢单成功', async () => {
  const s = (await ops(app.url).post('/suppliers', { name: 'phone' })).body;
  await ops(app.url).post('/planners', {
    supplierId: s.id,
    name: '手机',
    phone: phone(),
    tier: 'S',
    destinations: ['黄山'],
    maxActive: 2,
    openid: 'o-phone',
  });
  const r = (await ops(app.url).post('/requirements', requirementBody({ destinations: ['黄山'], plannersWanted: 1 }))).body;
  const withCard = await until(
    async () => {
      const html = await (await fetch(`${app.url}/sandbox/phone/o-phone`)).text();
      return html.includes('新需求开放提醒') ? html : null;
    },
    10_000,
    100,
  );
  // As WeChat shows a category template: the title, then each label beside its value.
  expect(withCard).toContain(`<span class="label">抢单方式</span>回复「抢 ${r.code}」或点详情`);
  expect(withCard).toContain(`<span class="label">需求编号</span>${r.code}`);
  // The link opens as in WeChat: through (silent) OAuth, then the page.
  expect(withCard).toContain(`/auth/wechat?next=%2Fh5%2Frequirements%2F${r.id}`);
  const after = await send('o-phone', `抢 ${r.code}`);
  expect(after).toContain('抢单成功！需求');
  expect(after).toContain(`抢 ${r.code}`); // the sent line is shown too
  const index = await (await fetch(`${app.url}/sandbox/phone`)).text();
  expect(index).toContain('/sandbox/phone/o-phone');
});

it('user text is escaped on the page', async () => {
  const html = await send('o-xss', '<script>alert(1)</script>');
  expect(html).not.toContain('<script>alert(1)</script>');
  expect(html).toContain('&#60;script&#62;');
});

it('a reply that misses the window is answered "success" and sent as a customer-service message', async () => {
  const reply = await sendAsWechat(late.ctx, late.url, 'o-late', '单'); // looks the sender up: slower than 1 ms
  expect(reply).toBeNull();
  const items = await until(async () => {
    const r = (await (await fetch(`${app.url}/sandbox/users/o-late/inbox`)).json()).items as { kind: string; text: string }[];
    return r.length ? r : null;
  }, 5000);
  expect(items[0]).toMatchObject({ kind: 'custom' });
  expect(items[0].text).toContain('你还没有绑定定制师账号');
});

it('unfollow marks the planner unreachable, follow clears it; menu clicks run commands', async () => {
  const s = (await ops(app.url).post('/suppliers', { name: 'follow' })).body;
  const p = (
    await ops(app.url).post('/planners', {
      supplierId: s.id,
      name: '关注',
      phone: phone(),
      tier: 'S',
      destinations: ['x'],
      maxActive: 2,
      openid: 'o-follow',
    })
  ).body;
  const event = async (e: string, key = '') => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = String(Math.random());
    const body = `<xml><ToUserName>${cdata('gh')}</ToUserName><FromUserName>${cdata('o-follow')}</FromUserName><CreateTime>${Date.now()}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event>${cdata(e)}</Event><EventKey>${cdata(key)}</EventKey></xml>`;
    return (
      await fetch(
        `${app.url}/wechat/callback?${new URLSearchParams({ timestamp, nonce, signature: sign('sandbox-token', timestamp, nonce) })}`,
        { method: 'POST', body },
      )
    ).text();
  };
  // What the business does not need goes with the unfollow; the planner and their records stay.
  await appendForUser(app.ctx.redis, `planner:${p.id}`, 'broadcast', { title: 'x' });
  await openWindow(app.ctx, { FromUserName: 'o-follow', MsgType: 'text', Content: '单' });
  expect(await event('unsubscribe')).toBe('success');
  const gone = (await app.ctx.db.planner.findUnique({ where: { id: p.id } }))!;
  expect([gone.unreachableAt instanceof Date, gone.unreachableReason, gone.openid]).toEqual([true, 'unsubscribed', 'o-follow']);
  expect(await app.ctx.redis.exists(liveKeys.user(`planner:${p.id}`), wechatKeys.csWindow('o-follow'))).toBe(0);
  expect(await event('subscribe')).toContain('欢迎关注');
  expect((await app.ctx.db.planner.findUnique({ where: { id: p.id } }))!.unreachableAt).toBeNull();
  expect(await event('CLICK', 'ORDERS')).toContain('你还没有工单');
});

it('the phone list shows travelers too; after sending, the reply stays in view; the site has its icon', async () => {
  await ops(app.url).post('/requirements', requirementBody({ traveler: { name: '手机旅客', phone: phone(), openid: 'o-phone-traveler' } }));
  const list = await (await fetch(`${app.url}/sandbox/phone`)).text();
  expect(list).toContain('旅行用户');
  expect(list).toContain('/sandbox/phone/o-phone-traveler');
  const sent = await fetch(`${app.url}/sandbox/phone/o-phone-traveler/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ text: '帮助' }),
    redirect: 'manual',
  });
  expect(sent.headers.get('location')).toBe('/sandbox/phone/o-phone-traveler#chat-end');
  expect(await (await fetch(`${app.url}/sandbox/phone/o-phone-traveler`)).text()).toContain('<div id="chat-end"></div>');
  const icon = await fetch(`${app.url}/favicon.ico`);
  expect([icon.status, icon.headers.get('content-type')]).toEqual([200, 'image/svg+xml']);
});

it('late replies keep WeChat’s customer-service window (5 in 48 h after a message, 3 in a minute after a tap), else a template message', async () => {
  const inbox = async (openid: string) =>
    (await (await fetch(`${app.url}/sandbox/users/${openid}/inbox`)).json()).items as { kind: string; templateId?: string }[];
  const kinds = async (openid: string, n: number) => {
    const items = await until(async () => {
      const r = await inbox(openid);
      return r.length >= n ? r : null;
    }, 5000);
    return items.map((m) => (m.kind === 'custom' ? 'custom' : m.templateId)).reverse();
  };
  // Never wrote, never tapped: no window.
  expect(await lateReply(app.ctx, 'o-nowindow', '抢单结果')).toBe('template');
  expect(await kinds('o-nowindow', 1)).toEqual(['sandbox-late-reply']);
  // Wrote: five customer-service messages, then a template message.
  await openWindow(app.ctx, { FromUserName: 'o-wrote', MsgType: 'text', Content: '单' });
  const wrote = [];
  for (let i = 0; i < 6; i++) wrote.push(await lateReply(app.ctx, 'o-wrote', `结果 ${i}`));
  expect(wrote).toEqual(['custom', 'custom', 'custom', 'custom', 'custom', 'template']);
  // Tapped the menu: three.
  await openWindow(app.ctx, { FromUserName: 'o-tapped', MsgType: 'event', Event: 'CLICK', EventKey: 'HELP' });
  const tapped = [];
  for (let i = 0; i < 4; i++) tapped.push(await lateReply(app.ctx, 'o-tapped', `结果 ${i}`));
  expect(tapped).toEqual(['custom', 'custom', 'custom', 'template']);
  expect(await kinds('o-tapped', 4)).toEqual(['custom', 'custom', 'custom', 'sandbox-late-reply']);
});
