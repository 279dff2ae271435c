/**
 * The 模拟 page in Chromium, as ops use it: the form comes filled with the live settings, "from our
 * data" says what it would fit (here: too few records), a bad field is refused under it, a run of
 * the small scenario with a changed tier delay is started, its progress followed to the end, its
 * result and report read, and the list shows it beside earlier runs. The live settings and records
 * are untouched, and a second run is refused while one is going.
 */

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { upsertAccount } from '../../src/ops/index.js';
import { ops, phone, withApp } from '../support.js';
import { launch, open, shot, signedIn } from './browser.js';

const h = withApp({ TIER_DELAYS: 'S:0,A:60,B:180,C:300' });
let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

it('try a tier delay on the small scenario: start it, follow it, read the result and the report', async () => {
  const { email, password } = await upsertAccount(h.app.ctx, { email: `sim-${phone()}@example.com`, role: 'ops', name: '运营小林' });
  const profile = await signedIn(browser, h.app.url, null, { wide: true });
  const page = await open(profile, `${h.app.url}/ops/login`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/ops$/);

  await page.click('header nav a:has-text("模拟")');
  await page.waitForURL(/\/ops\/simulations$/);
  expect(await page.textContent('h1')).toContain('模拟');
  // The live settings are filled in (TIER_DELAYS: A 1 min, B 3, C 5).
  expect(await page.inputValue('#f-delays\\.A')).toBe('1');
  expect(await page.inputValue('#f-delays\\.C')).toBe('5');
  // "From our data" is shown before running: this new marketplace has too few records to fit.
  expect(await page.textContent('#fit')).toContain('不够拟合');
  await shot(page, 'ops-simulation-form');
  await page.reload(); // a full-page screenshot resizes the window: the page as a person has it again

  // A refused field is said under it, in words.
  await page.selectOption('#f-scenario', 'tiny');
  await page.fill('#f-deadlineHours', '0');
  await page.click('#simulate button[type=submit]');
  await page.waitForSelector('.field-error[data-for=deadlineHours]:not(:empty)');
  expect(await page.textContent('.field-error[data-for=deadlineHours]')).toBe('方案期限（小时）至少为1。');

  await page.fill('#f-deadlineHours', '24');
  await page.fill('#f-delays\\.A', '3');
  await page.fill('#f-replications', '1');
  await page.selectOption('#f-compare', 'no');
  await page.click('#simulate button[type=submit]');
  await page.waitForURL(/\/ops\/simulations\/\d+$/);
  const id = Number(page.url().split('/').pop());
  expect(await page.textContent('body')).toContain('分级释放 S 0 秒、A 3 分、B 3 分、C 5 分');

  // One at a time: another request while this one is going is refused, saying why.
  const second = await ops(h.app.url).post('/simulations', {
    scenario: 'tiny',
    delays: { S: 0, A: 0, B: 0, C: 0 },
    cap: 3,
    deadlineHours: 24,
  });
  expect(second.status).toBe(409);
  expect(second.body.error.message).toContain('一次只跑一个');

  // Followed to the end (the page reloads itself when it finishes).
  await page.waitForSelector('#simulation[data-status="done"]', { timeout: 150_000 });
  const result = await page.textContent('#simulation');
  expect(result).toContain('抢单（分级释放，现行）');
  expect(result).toContain('配满率');
  await shot(page, 'ops-simulation-result');

  const [report] = await Promise.all([profile.waitForEvent('page'), page.click('a:has-text("打开完整报告")')]).catch(async () => {
    await page.waitForURL(/\/report$/);
    return [page];
  });
  await report.waitForLoadState();
  expect(await report.textContent('h1')).toContain('模拟报告');
  expect(await report.textContent('body')).toContain('每个数字的意思');
  await shot(report, 'ops-simulation-report');

  // The list shows it with its setting and headline, beside any earlier runs.
  const list = await open(profile, `${h.app.url}/ops/simulations`);
  const row = await list.textContent(`tr:has(a[href="/ops/simulations/${id}"])`);
  expect(row).toContain('完成');
  expect(row).toContain('A 3 分');
  expect(row).toMatch(/\d+\.\d%/);

  // Nothing live changed: the settings as configured, no requirement or planner made in this database.
  expect(h.app.ctx.config.releasePlan.map((p) => p.delaySec)).toEqual([0, 60, 180, 300]);
  expect(await h.app.ctx.db.requirement.count()).toBe(0);
  expect(await h.app.ctx.db.planner.count()).toBe(0);
}, 240_000);
