/**
 * What broke a traveler's trust, walked through in a real browser (#26): a Chinese comma between
 * destinations once stored one place that matched nobody, and the trip waited silently forever; a
 * closed trip said 正在为你匹配定制师 under 已关闭; a paid trip still said 确认后支付定金.
 */

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Running } from '../../src/boot.js';
import { signSession } from '../../src/session/index.js';
import { call, type Env, freePort, isolatedEnv, ops, phone, planner, requirementBody, startApp, until } from '../support.js';
import { launch, shot, signedIn, signInAs } from './browser.js';

let env: Env;
let app: Running;
let browser: Browser;
let base: string;

beforeAll(async () => {
  env = await isolatedEnv();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  app = await startApp(env, { PORT: String(port), PUBLIC_URL: base });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await env?.release();
});

/** Fills the trip form as a person does and submits it; the new trip's id. */
async function submitTrip(page: Page, destinations: string): Promise<number> {
  await page.goto(`${base}/h5/trip`);
  await page.fill('input[name=name]', '韩梅梅');
  await page.fill('input[name=phone]', phone());
  await page.fill('input[name=origin]', '杭州');
  await page.fill('input[name=destinations]', destinations);
  await page.fill('input[name=departDate]', '2099-04-01');
  await page.fill('input[name=returnDate]', '2099-04-08');
  await page.fill('input[name=budget]', '40000');
  await page.locator('button[type=submit]').click();
  await page.waitForURL(/\/h5\/my\/requirements\/\d+$/);
  return Number(page.url().split('/').pop());
}

it('a Chinese comma or semicolon between destinations makes two places, and a planner of the second is matched', async () => {
  const s = (await ops(app.url).post('/suppliers', { name: `巴黎社-${phone()}` })).body;
  const p = (
    await ops(app.url).post('/planners', {
      supplierId: s.id,
      name: '杜朗',
      phone: phone(),
      tier: 'S',
      destinations: ['巴黎'],
      maxActive: 5,
      openid: `o-paris-${phone()}`,
    })
  ).body;
  const profile = await signedIn(browser, base, null);
  const page = await profile.newPage();
  await signInAs(page, base, `o-comma-${phone()}`, '/h5/trip');
  const id = await submitTrip(page, '京都，巴黎；罗马');
  const r = (await ops(app.url).get(`/requirements/${id}`)).body;
  expect(r.destinations).toEqual(['京都', '巴黎', '罗马']);
  const matched = await app.ctx.db.candidate.findMany({ where: { requirementId: id }, select: { plannerId: true } });
  expect(matched.map((c) => c.plannerId)).toEqual([p.id]);
  await until(async () => (await page.locator('.state--empty .state__title').textContent())?.includes('正在为你匹配定制师'));
  await profile.close();
});

it('a trip no planner serves is flagged for ops at once, and the traveler is told in words what happens next', async () => {
  const profile = await signedIn(browser, base, null);
  const page = await profile.newPage();
  await signInAs(page, base, `o-nobody-${phone()}`, '/h5/trip');
  const id = await submitTrip(page, '无人岛，北极点');
  await until(async () => (await page.locator('.state--empty .state__title').textContent())?.includes('暂时没有定制师服务这些目的地'));
  const words = await page.locator('.state--empty').textContent();
  expect(words).toContain('运营同事已收到提醒');
  expect(await page.locator('.status-line').textContent()).toContain('运营同事正在为你安排定制师');
  expect(await page.locator('.status-line').textContent()).not.toContain('还在等');
  await shot(page, 'h5-trip-no-planners');
  // Ops: on today's board at once, with the reason, and in the timeline.
  const today = (await ops(app.url).get('/stats/today')).body;
  expect(today.flagged).toContainEqual(expect.objectContaining({ id, why: 'no-planners' }));
  const timeline = (await ops(app.url).get(`/requirements/${id}/timeline`)).body;
  expect(JSON.stringify(timeline)).toContain('没有定制师服务这些目的地');

  // Closed by ops: the page says closed, and nothing about matching.
  expect((await ops(app.url).post(`/requirements/${id}/close`, { reason: '目的地无法服务' })).status).toBe(200);
  await page.reload();
  await until(async () => (await page.locator('.state--empty .state__title').textContent())?.includes('这个需求已关闭'));
  const text = (await page.locator('body').textContent()) ?? '';
  expect(text).toContain('已关闭');
  expect(text).not.toContain('正在为你匹配定制师');
  await shot(page, 'h5-trip-closed');
  await profile.close();
});

it('back from the pay sheet with the notification lost, the page says 确认中 (never 支付定金 again) and the server confirms; refunds then show one deposit state', async () => {
  const place = `付款地-${phone().slice(-4)}`;
  const s = (await ops(app.url).post('/suppliers', { name: `付款社-${phone()}` })).body;
  const p = (
    await ops(app.url).post('/planners', {
      supplierId: s.id,
      name: '付雨',
      phone: phone(),
      tier: 'S',
      destinations: [place],
      maxActive: 5,
      openid: `o-payer-pl-${phone()}`,
    })
  ).body;
  const openid = `o-payer-${phone()}`;
  const r = (
    await ops(app.url).post(
      '/requirements',
      requirementBody({ destinations: [place], plannersWanted: 1, traveler: { name: '付先生', phone: phone(), openid } }),
    )
  ).body;
  const win = await planner(app.url, app.ctx, p.id).grab(r.id);
  const proposed = await planner(app.url, app.ctx, p.id).propose(win.body.workOrderId, {
    itinerary: '第1天：抵达，入住\n第2天：老城徒步\n第3天：湖区一日游',
    priceFen: 1_000_000,
  });
  expect(proposed.status).toBe(201);
  const cookie = `sid=${signSession(app.ctx.sessionSecret, { role: 'traveler', id: r.traveler.id })}`;
  const chose = await call(app.url, 'POST', `/api/traveler/requirements/${r.id}/choose`, { workOrderId: win.body.workOrderId }, { cookie });
  expect(chose.status).toBe(200);

  const profile = await signedIn(browser, base, null);
  const page = await profile.newPage();
  await signInAs(page, base, openid, `/h5/my/requirements/${r.id}`);
  // 确认中 may show only for as long as the server's query takes: watched for, not polled.
  await page.evaluate(() => {
    const w = window as unknown as { sawConfirming: boolean };
    w.sawConfirming = false;
    new MutationObserver(() => {
      if (document.querySelector('.deposit')?.textContent?.includes('支付结果确认中')) w.sawConfirming = true;
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await page.locator('.deposit__pay').click();
  await page.waitForSelector('.cashier');
  await page.selectOption('.cashier select', 'never'); // WeChat Pay's notification never comes
  await page.locator('.cashier button:has-text("支付")').click();
  await page.waitForSelector('.deposit[data-deposit="paid"]', { timeout: 30_000 });
  expect(await page.evaluate(() => (window as unknown as { sawConfirming: boolean }).sawConfirming)).toBe(true);
  expect(await page.locator('.deposit__pay').count()).toBe(0);
  expect(await page.textContent('.deposit')).toContain('定金 ¥1,000 已支付');

  // A part refund, then the rest: the page, its status line and the trip list say the same.
  await ops(app.url).post(`/requirements/${r.id}/refund`, { reason: '少玩一天', amountYuan: '250' });
  await until(async () => (await app.ctx.db.deposit.findFirst({ where: { requirementId: r.id, refundedFen: 25_000 } })) !== null);
  await page.reload();
  await until(async () => (await page.textContent('.deposit'))?.includes('已退回 ¥250'));
  expect(await page.textContent('.status-line')).toContain('已部分退款');
  await ops(app.url).post(`/requirements/${r.id}/refund`, { reason: '取消行程' });
  await until(async () => (await app.ctx.db.deposit.findFirst({ where: { requirementId: r.id, status: 'refunded' } })) !== null);
  await page.reload();
  await until(async () => (await page.textContent('.status-line'))?.includes('定金已退回'));
  expect(await page.textContent('.deposit')).toContain('已全额退回');
  expect(await page.textContent('.next-steps')).not.toContain('定金已支付');
  await shot(page, 'h5-trip-refunded');
  await page.goto(`${base}/h5/my/requirements`);
  await until(async () => (await page.locator(`a[href="/h5/my/requirements/${r.id}"]`).textContent())?.includes('定金已退回'));
  await profile.close();
});
