/**
 * The traveler's pages in a real browser, signed in through the sandbox's WeChat OAuth: the form's
 * field errors (the browser's checks and the server's), the status page following grabs and
 * proposals live, the proposals side by side, choosing one. And a planner opening a template
 * message's link from the sandbox phone lands on the page, signed in as themselves.
 */

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Running } from '../../src/boot.js';
import { type Env, freePort, isolatedEnv, ops, phone, planner, requirementBody, startApp, until } from '../support.js';
import { launch, open, shot, signedIn, signInAs } from './browser.js';

let env: Env;
let app: Running;
let browser: Browser;
let base: string;

beforeAll(async () => {
  env = await isolatedEnv();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // PUBLIC_URL is where OAuth sends the browser back: this very server.
  app = await startApp(env, { PORT: String(port), PUBLIC_URL: base });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await env?.release();
});

const error = (page: Page, field: string) => page.locator(`.field[data-field="${field}"] .field-error`).textContent();

it('shows field errors, then follows the trip live to the proposals side by side, and chooses one', async () => {
  const place = '冲绳';
  const planners: number[] = [];
  for (let i = 0; i < 2; i++) {
    const s = await ops(app.url).post('/suppliers', { name: `海岛社${i}-${phone()}` });
    planners.push(
      (
        await ops(app.url).post('/planners', {
          supplierId: s.body.id,
          name: ['林晓', '陈默'][i],
          phone: phone(),
          tier: 'A',
          destinations: [place],
          maxActive: 5,
          openid: `o-pl-${phone()}`,
        })
      ).body.id,
    );
  }
  const profile = await signedIn(browser, base, null);
  const page = await profile.newPage();
  page.on('pageerror', (e) => console.error(e.message));
  await signInAs(page, base, `o-traveler-${phone()}`, '/h5/trip');

  // Nothing filled in: each required field says so, and the summary counts them.
  await page.locator('button[type=submit]').click();
  // Whole Chinese sentences naming the field (never 目的地请至少填写一个目的地）.
  expect(await error(page, 'traveler.name')).toBe('请填写称呼。');
  expect(await error(page, 'traveler.phone')).toBe('请填写11位手机号。');
  expect(await error(page, 'destinations')).toBe('请至少填写一个目的地。');
  expect(await error(page, 'budgetFen')).toBe('请填写预算，至少1元。');
  expect(await page.locator('.form-summary').textContent()).toMatch(/有 \d+ 项需要修改/);
  await shot(page, 'h5-trip-form-errors');

  // Fixed, but the return is before the departure; then a phone that belongs to someone else (the server says so).
  // (A number is someone's only once they proved it by SMS: until then it is only a claim.)
  const other = requirementBody();
  const someone = `o-someone-${phone()}`;
  expect((await ops(app.url).post('/requirements', { ...other, traveler: { ...other.traveler, openid: someone } })).status).toBe(201);
  await app.ctx.db.traveler.update({ where: { openid: someone }, data: { phoneVerifiedAt: new Date() } });
  await page.fill('input[name=name]', '李雷');
  await page.fill('input[name=phone]', other.traveler.phone);
  await page.fill('input[name=origin]', '北京');
  await page.fill('input[name=destinations]', `${place}、石垣岛`);
  await page.fill('input[name=departDate]', '2099-05-10');
  await page.fill('input[name=returnDate]', '2099-05-01');
  await page.fill('input[name=budget]', '30000');
  await page.locator('button[type=submit]').click();
  expect(await error(page, 'returnDate')).toContain('不能早于出发日期');
  expect(await error(page, 'traveler.name')).toBe('');
  await page.fill('input[name=returnDate]', '2099-05-15');
  // What only the server checks comes back in Chinese too: a destination too long, a budget too large.
  await page.fill('input[name=destinations]', `${place}、${'很长的地名'.repeat(11)}`);
  await page.fill('input[name=budget]', '30000000');
  await page.locator('button[type=submit]').click();
  await until(async () => (await error(page, 'destinations')) === '每个目的地最多50个字。');
  expect(await error(page, 'budgetFen')).toBe('预算不能超过2000万元，请确认金额。');
  await shot(page, 'h5-trip-server-errors');
  await page.fill('input[name=destinations]', `${place}、石垣岛`);
  await page.fill('input[name=budget]', '30000');
  await page.locator('button[type=submit]').click();
  await until(async () => (await error(page, 'traveler.phone'))?.includes('另一位微信用户'));
  expect(page.url()).toContain('/h5/trip');

  await page.fill('input[name=phone]', phone());
  await page.selectOption('select[name=plannersWanted]', '2');
  await page.locator('button[type=submit]').click();
  await page.waitForURL(/\/h5\/my\/requirements\/\d+$/);
  const id = Number(page.url().split('/').pop());
  await until(async () => (await page.locator('.link--open').count()) === 1);
  expect(await page.locator('.state--empty .state__title').textContent()).toContain('正在为你匹配定制师');

  // Planners grab and propose; the page follows without a reload.
  const [a, b] = planners.map((p) => planner(app.url, app.ctx, p));
  const woA = (await a.grab(id)).body.workOrderId;
  await until(async () => (await page.locator('.steps li.done').count()) === 2);
  await a.propose(woA, { itinerary: '第1天：那霸国际通\n第2天：美丽海水族馆\n第3天：古宇利岛', priceFen: 2_600_000 });
  await until(async () => (await page.locator('.proposal-card').count()) === 1);
  const woB = (await b.grab(id)).body.workOrderId;
  await b.propose(woB, { itinerary: '第1天：石垣岛川平湾\n第2天：竹富岛水牛车', priceFen: 2_900_000 });
  await until(async () => (await page.locator('.proposal-card').count()) === 2);
  // Side by side: same row, one after the other.
  // (Measured once both are laid out: a late live event may re-render the list under the measurement.)
  const [boxA, boxB] = await until(async () => {
    const boxes = await Promise.all([0, 1].map((i) => page.locator('.proposal-card').nth(i).boundingBox()));
    return boxes.every(Boolean) ? boxes : null;
  });
  expect(Math.abs(boxA!.y - boxB!.y)).toBeLessThan(2);
  expect(boxB!.x).toBeGreaterThan(boxA!.x + boxA!.width - 1);
  // Above the cards, one line each: which one, the price against the budget, the planner's tier.
  const lines = await page.locator('.proposal-summary li').allTextContents();
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(/^第 1\/2 份 · .+\uFF08A级\uFF09· ¥[\d,]+ · (在预算内|超预算 \d+%)$/);
  expect(await page.locator('.page__title .code').textContent()).toMatch(/^需求编号 [2-9A-Z]{6}$/);
  // Dates as people write them.
  expect(await page.locator('.page__title small').first().textContent()).toMatch(
    /^(\d{4}年)?\d{1,2}月\d{1,2}日–(\d{4}年)?\d{1,2}月\d{1,2}日 · \d+天/,
  );
  await shot(page, 'h5-trip-proposals');

  await page.locator(`.proposal-card[data-wo="${woB}"] button`).click();
  // Before confirming, the traveler is told the deposit it will ask (DEPOSIT_RULE: 10%, ¥200–¥2,000).
  await until(async () => /并需支付定金 ¥[\d,]+（微信支付）/.test((await page.locator('.weui-dialog').textContent()) ?? ''));
  await page.locator('.weui-dialog__btn_primary').click(); // 确定选择
  await until(async () => (await page.locator('.weui-dialog').textContent())?.includes('请支付定金'));
  await page.locator('.weui-dialog__btn_primary').click();
  await until(async () => (await page.locator(`.proposal-card[data-wo="${woB}"].is-chosen`).count()) === 1);
  expect(await page.locator('.deposit').getAttribute('data-deposit')).toBe('pending');
  expect((await ops(app.url).get(`/requirements/${id}`)).body.status).toBe('chosen');
  // Chosen: who, how to call them, what happens next.
  expect(await page.locator('.next-steps h2').textContent()).toMatch(/^你选择了 .+ 的方案$/);
  expect(await page.locator('.next-steps a[href^="tel:"]').count()).toBe(1);
  await shot(page, 'h5-trip-chosen');

  // The deposit: the sandbox's cashier sheet (WeChat's pay sheet elsewhere), then paid — as the server says.
  await page.locator('.deposit__pay').click();
  await page.waitForSelector('.cashier .cashier__amount');
  expect(await page.textContent('.cashier__merchant')).toContain('定制游抢单');
  await shot(page, 'h5-trip-cashier');
  await page.locator('.cashier button:has-text("支付")').click();
  await page.waitForSelector('.deposit[data-deposit="paid"]', { timeout: 30_000 });
  expect(await page.textContent('.deposit')).toMatch(/定金 ¥[\d,]+ 已支付/);
  // Paid: the next steps no longer ask for the deposit.
  expect(await page.textContent('.next-steps')).toContain('定金已支付');
  expect(await page.textContent('.next-steps')).not.toContain('确认后支付定金');
  expect((await ops(app.url).get(`/requirements/${id}`)).body).toMatchObject({ status: 'paid', deposit: { status: 'paid' } });
  await shot(page, 'h5-trip-paid');
  await profile.close();
});

it('opens a template message link from the sandbox phone as that planner', async () => {
  const s = await ops(app.url).post('/suppliers', { name: `手机社-${phone()}` });
  const openid = `o-phone-${phone()}`;
  const p = await ops(app.url).post('/planners', {
    supplierId: s.body.id,
    name: '王芳',
    phone: phone(),
    tier: 'S',
    destinations: ['大理'],
    maxActive: 5,
    openid,
  });
  const r = await ops(app.url).post('/requirements', requirementBody({ destinations: ['大理'] }));
  const profile = await signedIn(browser, base, null);
  const page = await open(profile, `${base}/sandbox/phone/${openid}`);
  await until(
    async () => {
      await page.reload();
      return (await page.locator('a.open').count()) > 0;
    },
    15_000,
    300,
  );
  await page.locator('a.open').first().click();
  await page.waitForURL((u) => u.pathname === `/h5/requirements/${r.body.id}`);
  await until(async () => (await page.locator('#grab').count()) === 1);
  expect(await page.locator('.page__title').textContent()).toContain('大理');
  expect(await page.evaluate(() => document.body.dataset.user)).toBe(`planner:${p.body.id}`);
  await shot(page, 'h5-requirement-from-phone');
  await profile.close();
});

it('proves the phone with the code from the sandbox phone, and the trip ops entered appears in my trips', async () => {
  const number = phone();
  const entered = await ops(app.url).post(
    '/requirements',
    requirementBody({ traveler: { name: '周敏', phone: number }, destinations: ['桂林'] }),
  );
  const openid = `o-proof-${phone()}`;
  const profile = await signedIn(browser, base, null);
  const page = await profile.newPage();
  await signInAs(page, base, openid, '/h5/my/requirements');
  await until(async () => (await page.locator('.phone-proof').count()) === 1);
  expect(await page.locator('.weui-cells a').count()).toBe(0); // a new WeChat user: nothing yet

  await page.fill('input[name=verifyPhone]', number);
  await page.locator('.phone-proof button', { hasText: '获取验证码' }).click();
  // The button counts down before another code may be asked for.
  await until(async () => /\d+ 秒后可重发/.test((await page.locator('.phone-proof .actions button').first().textContent()) ?? ''));
  expect(await page.locator('.phone-proof .actions button').first().isDisabled()).toBe(true);
  const sms = await until(async () =>
    (await (await fetch(`${base}/sandbox/users/${openid}/inbox`)).json()).items.find((m: { kind: string }) => m.kind === 'sms'),
  );
  const code = /验证码 (\d{6})/.exec(sms.text)![1];
  await page.fill('input[name=verifyCode]', code === '000000' ? '111111' : '000000');
  await page.locator('.phone-proof button', { hasText: /^验证$/ }).click();
  await until(async () => (await error(page, 'code'))?.includes('验证码不正确'));
  await page.fill('input[name=verifyCode]', code);
  await page.locator('.phone-proof button', { hasText: /^验证$/ }).click();
  await until(async () => (await page.locator(`a[href="/h5/my/requirements/${entered.body.id}"]`).count()) === 1);
  await shot(page, 'h5-my-phone-verified');
  await profile.close();
});

it('我的数据: reads what is kept, refuses an unconfirmed deletion, deletes the account after two confirmations', async () => {
  const openid = `o-mydata-${phone()}`;
  const profile = await signedIn(browser, base, null);
  const page = await profile.newPage();
  await signInAs(page, base, openid, '/h5/my/requirements');
  const number = phone();
  const submitted = await page.request.post(`${base}/api/traveler/requirements`, {
    data: requirementBody({ traveler: { name: '韩梅梅', phone: number }, destinations: ['大理'], notes: '想住洱海边' }),
  });
  expect(submitted.status()).toBe(201);
  await page.goto(`${base}/h5/my/requirements`);
  await page.locator('a', { hasText: '我的数据与账号' }).click();
  await page.waitForURL((u) => u.pathname === '/h5/my/data');
  await until(async () => (await page.locator('h1', { hasText: '我的数据' }).count()) === 1);
  const text = (await page.locator('main').textContent()) ?? '';
  expect(text).toContain('韩梅梅');
  expect(text).toContain(number);
  expect(text).toContain('想住洱海边');
  expect(text).toContain('我们如何保存你的信息');
  await shot(page, 'h5-my-data');

  // Not typed: the field says what to type; nothing is deleted.
  await page.fill('input[name=confirm]', '删除');
  await page.locator('button', { hasText: '注销账号' }).click();
  await until(async () => (await error(page, 'confirm'))?.includes('注销'));
  expect((await app.ctx.db.traveler.findFirstOrThrow({ where: { phone: number } })).erasedAt).toBeNull();

  // Typed, then "再想想" in the dialog: still nothing.
  await page.fill('input[name=confirm]', '注销');
  await page.locator('button', { hasText: '注销账号' }).click();
  await page.locator('.weui-dialog__btn', { hasText: '再想想' }).click();
  expect(await app.ctx.db.traveler.count({ where: { phone: number, erasedAt: null } })).toBe(1);

  await page.locator('button', { hasText: '注销账号' }).click();
  await page.locator('.weui-dialog__btn', { hasText: '确定注销' }).click();
  await until(async () => (await page.locator('.weui-msg__title').textContent()) === '账号已注销');
  expect(await page.locator('.weui-msg__desc').textContent()).toContain('关闭了 1 个还在进行的需求');
  await shot(page, 'h5-my-data-deleted');
  expect(await app.ctx.db.traveler.count({ where: { phone: number } })).toBe(0); // the number is nowhere in the account table
  const trip = await app.ctx.db.requirement.findUniqueOrThrow({ where: { id: ((await submitted.json()) as { id: number }).id } });
  expect([trip.contactName, trip.contactPhone, trip.notes, trip.status]).toEqual(['已注销', '', null, 'closed']);
  await profile.close();
});
