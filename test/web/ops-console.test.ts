/** The ops console in Chromium: sign in by the form (a wrong password first), the home with the audit log, sign out. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { withApp } from '../support.js';
import { upsertAccount } from '../../src/ops/index.js';
import { launch, open, shot, signedIn } from './browser.js';

const h = withApp();
let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

it('signs in with the form, shows who and the audit log, signs out', async () => {
  const { email, password } = await upsertAccount(h.app.ctx, { email: 'console@example.com', role: 'admin', name: '运营小王' });
  const profile = await signedIn(browser, h.app.url, null, { wide: true });
  const page = await open(profile, `${h.app.url}/ops`);
  await page.waitForURL(/\/ops\/login$/);
  await page.fill('#email', email);
  await page.fill('#password', 'wrong-password');
  await page.click('button[type=submit]');
  expect(await page.locator('.err').textContent()).toBe('邮箱或密码不正确。');
  expect(await page.inputValue('#email')).toBe(email); // kept, only the password is typed again
  await shot(page, 'ops-login-error');
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/ops$/);
  expect(await page.locator('header .who').textContent()).toBe('运营小王（管理员）');
  expect(await page.locator('table tbody tr').first().textContent()).toContain('运营小王（console@example.com）登录');
  const cookie = (await profile.cookies()).find((c) => c.name === 'ops_sid')!;
  expect([cookie.httpOnly, cookie.sameSite]).toEqual([true, 'Strict']);
  await shot(page, 'ops-home');
  await page.click('header button');
  await page.waitForURL(/\/ops\/login$/);
  await page.goto(`${h.app.url}/ops`);
  await page.waitForURL(/\/ops\/login$/);
  await profile.close();
});
