/**
 * A broadcast in Chromium: ops compose one for a tier (the audience count shows as they choose),
 * preview it to their own WeChat, send it and watch the progress to the end; a planner of that tier
 * with the pool open sees it arrive, and sees it again on a page opened later; another tier does not.
 */

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { upsertAccount } from '../../src/ops/index.js';
import { call, ops, phone, plannerCookie, withApp } from '../support.js';
import { launch, open, shot, signedIn } from './browser.js';

const h = withApp({ NOTIFY_RATE: '5' });
let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

it('compose, preview and send a broadcast, watch it go; a planner’s open page shows it', async () => {
  const s = (await ops(h.app.url).post('/suppliers', { name: `播报社-${phone()}` })).body;
  const mk = async (tier: string, i: number) =>
    (
      await ops(h.app.url).post('/planners', {
        supplierId: s.id,
        name: `播报${tier}${i}`,
        phone: phone(),
        tier,
        destinations: ['播报地'],
        maxActive: 3,
        openid: `o-cast-${tier}-${phone()}`,
      })
    ).body as { id: number; openid: string };
  const aTier = [await mk('A', 0), await mk('A', 1), await mk('A', 2)];
  const bTier = await mk('B', 0);

  // The planners' pages are open before anything is sent.
  const plannerProfile = await signedIn(browser, h.app.url, plannerCookie(h.app.ctx, aTier[0].id));
  const pool = await open(plannerProfile, `${h.app.url}/h5/pool`);
  const otherProfile = await signedIn(browser, h.app.url, plannerCookie(h.app.ctx, bTier.id));
  const otherPool = await open(otherProfile, `${h.app.url}/h5/pool`);

  const { email, password } = await upsertAccount(h.app.ctx, { email: `cast-${phone()}@example.com`, role: 'ops', name: '运营阿美' });
  const profile = await signedIn(browser, h.app.url, null, { wide: true });
  const page = await open(profile, `${h.app.url}/ops/login`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/ops$/);
  page.on('dialog', (d) => void d.accept());

  await page.click('header nav a:has-text("群发")');
  await page.waitForURL(/\/ops\/broadcasts$/);
  await page.check('input[name="audience.tiers"][value="A"]');
  await page.waitForSelector('#reach[data-audience="3"]');
  expect(await page.textContent('#reach')).toContain('可触达 3');
  await page.check('input[name="channels"][value="template"]');
  await page.click('#compose button'); // no title yet: said under the field
  await page.waitForSelector('.field-error[data-for=title]:not(:empty)');
  await page.fill('#f-title', '周末抢单加油');
  await page.fill('#f-body', '本周末需求翻倍，记得打开抢单池。');
  await shot(page, 'ops-broadcast-compose');
  await page.click('#compose button');
  await page.waitForURL(/\/ops\/broadcasts\/\d+$/);
  expect(await page.textContent('h1')).toContain('草稿');

  // The preview goes to a planner picked from the audience (never a typed string).
  await page.selectOption('#f-plannerId', String(aTier[2].id));
  await page.click('button:has-text("发送预览")');
  await page.waitForSelector('.form-ok:has-text("预览已发出")');
  const preview = (await call(h.app.url, 'GET', `/sandbox/users/${aTier[2].openid}/inbox`)).body.items;
  expect(preview.map((m: { templateId: string }) => m.templateId)).toEqual(['sandbox-broadcast']);

  await page.getByRole('button', { name: '发送', exact: true }).click();
  await page.waitForSelector('#broadcast:not([data-status=draft])'); // sending (or, on a fast machine, done already)
  if ((await page.getAttribute('#broadcast', 'data-status')) === 'sending') await shot(page, 'ops-broadcast-sending');
  await page.waitForSelector('h1 .tag.done', { timeout: 30_000 }); // progress polled, then the page redrawn when done
  expect(await page.textContent('[data-k=audience]')).toBe('3');
  expect(await page.textContent('[data-k="template.sent"]')).toBe('3');
  expect(await page.textContent('[data-k="live.delivered"]')).toBe('3');
  // The totals count people: 3 planners reached by two channels each is 3, not 6.
  expect(await page.textContent('[data-k=sent]')).toBe('3');
  await shot(page, 'ops-broadcast-sent');

  // The open page got it live; a page opened later still shows it; the B planner's page never does.
  await pool.waitForSelector('.notice:has-text("周末抢单加油")');
  expect(await pool.locator('.pop').count()).toBe(0); // shown once, as the banner
  await shot(pool, 'planner-broadcast-banner');
  const later = await open(plannerProfile, `${h.app.url}/h5/work-orders`);
  await later.waitForSelector('.notice:has-text("本周末需求翻倍")');
  await otherPool.waitForTimeout(500);
  expect(await otherPool.locator('.notice').count()).toBe(0);
  for (const p of aTier) {
    const inbox = (await call(h.app.url, 'GET', `/sandbox/users/${p.openid}/inbox`)).body.items;
    // Once each; the planner who got the preview has it too.
    expect(inbox.filter((m: { templateId: string }) => m.templateId === 'sandbox-broadcast')).toHaveLength(p === aTier[2] ? 2 : 1);
  }
  await Promise.all([profile.close(), plannerProfile.close(), otherProfile.close()]);
});
