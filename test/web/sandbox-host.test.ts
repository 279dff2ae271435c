/**
 * The hand-test path of docs/trying-it.md, from both host names: the sandbox phone on localhost (PUBLIC_URL's
 * host) or on 127.0.0.1, a template message's 详情， and the planner lands on the page signed in —
 * never on the "who are you" picker, never on raw JSON.
 */

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Running } from '../../src/boot.js';
import { type Env, freePort, isolatedEnv, ops, phone, requirementBody, startApp, until } from '../support.js';
import { launch, open, shot, signedIn } from './browser.js';

let env: Env;
let app: Running;
let browser: Browser;
let port: number;

beforeAll(async () => {
  env = await isolatedEnv();
  port = await freePort();
  app = await startApp(env, { PORT: String(port), PUBLIC_URL: `http://localhost:${port}` }); // as `npm start` defaults
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await env?.release();
});

async function plannerWithMessage(place: string) {
  const s = await ops(app.url).post('/suppliers', { name: `主机社-${phone()}` });
  const openid = `o-host-${phone()}`;
  const p = await ops(app.url).post('/planners', {
    supplierId: s.body.id,
    name: '赵雷',
    phone: phone(),
    tier: 'S',
    destinations: [place],
    maxActive: 5,
    openid,
  });
  const r = await ops(app.url).post('/requirements', requirementBody({ destinations: [place] }));
  return { openid, plannerId: p.body.id as number, requirementId: r.body.id as number };
}

for (const host of ['localhost', '127.0.0.1']) {
  it(`from the sandbox phone on ${host}, a message's 详情 signs the planner in on PUBLIC_URL's host`, async () => {
    const { openid, plannerId, requirementId } = await plannerWithMessage(`${host === 'localhost' ? '漠河' : '北海'}${phone().slice(-3)}`);
    const profile = await signedIn(browser, `http://${host}:${port}`, null);
    const page = await open(profile, `http://${host}:${port}/sandbox/phone/${openid}`);
    expect(new URL(page.url()).hostname).toBe('localhost'); // 127.0.0.1 was sent to the one host
    await until(
      async () => {
        await page.reload();
        return (await page.locator('a.open').count()) > 0;
      },
      15_000,
      300,
    );
    await page.locator('a.open').first().click();
    await page.waitForURL((u) => u.pathname === `/h5/requirements/${requirementId}`);
    expect(new URL(page.url()).hostname).toBe('localhost');
    expect(await page.evaluate(() => document.body.dataset.user)).toBe(`planner:${plannerId}`);
    await profile.close();
  });
}

it('a sign-in whose cookie went missing starts again once, then says so in words (never raw JSON)', async () => {
  const profile = await signedIn(browser, `http://localhost:${port}`, null);
  const page = await profile.newPage();
  await page.goto(`http://localhost:${port}/auth/wechat/callback?code=x&state=forged.state`);
  // Started again: the sandbox's "who are you" page (a real WeChat would answer silently).
  expect(page.url()).toContain('/sandbox/connect/oauth2/authorize');
  await profile.clearCookies();
  await page.goto(`http://localhost:${port}/auth/wechat/callback?code=x&state=forged.state&again=1`);
  expect(await page.locator('body').textContent()).toContain('登录没有完成');
  await shot(page, 'oauth-not-completed');
  await profile.close();
});

it('a new WeChat user on a planner page binds with the 8-character code from ops (typed in lower case) and lands on the pool', async () => {
  const s = await ops(app.url).post('/suppliers', { name: `绑定社-${phone()}` });
  const p = await ops(app.url).post('/planners', {
    supplierId: s.body.id,
    name: '钱多',
    phone: phone(),
    tier: 'A',
    destinations: ['丹东'],
    maxActive: 3,
  });
  const openid = `o-bind-${phone()}`;
  const profile = await signedIn(browser, `http://localhost:${port}`, null);
  const page = await profile.newPage();
  await page.goto(`http://localhost:${port}/auth/wechat?next=/h5/pool`);
  await page.goto(page.url().replace('#wechat_redirect', '') + `&openid=${openid}`);
  await page.waitForURL((u) => u.pathname === '/h5/pool');
  await page.fill('input[name=code]', 'abc');
  await page.locator('button[type=submit]').click();
  expect(await page.locator('.field-error').textContent()).toBe('绑定码是8位字母和数字。');
  await page.fill('input[name=code]', p.body.bindCode.toLowerCase());
  await page.locator('button[type=submit]').click();
  // (The page reloads as the planner: a look during that navigation just tries again.)
  await until(async () => (await page.evaluate(() => document.body.dataset.user).catch(() => null)) === `planner:${p.body.id}`);
  await shot(page, 'h5-bound-pool');
  await profile.close();
});

it('a newcomer: the root page says what this is and links the sandbox phone, the ops console (with how to get an account) and the seed; /sandbox opens the phone', async () => {
  const base = `http://localhost:${port}`;
  const profile = await signedIn(browser, base, null);
  const page = await profile.newPage();
  await page.goto(`${base}/`);
  expect(await page.textContent('h1')).toContain('定制游抢单');
  const text = (await page.textContent('body')) ?? '';
  expect(text).toContain('npm run seed');
  expect(text).toContain('npm run ops-user');
  expect(await page.locator('a[href="/sandbox/phone"]').count()).toBeGreaterThan(0);
  expect(await page.locator('a[href="/ops"]').count()).toBe(1);
  await shot(page, 'root-welcome');
  await page.click('a[href="/sandbox/phone"]');
  await page.waitForURL((u) => u.pathname === '/sandbox/phone');
  const res = await page.goto(`${base}/sandbox`);
  expect(res!.status()).toBe(200);
  expect(new URL(page.url()).pathname).toBe('/sandbox/phone');
  await profile.close();
});
