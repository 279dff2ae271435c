/**
 * The PC workbench opened after time away (#26): the events missed meanwhile are replayed (nothing
 * is lost), but only what is still actionable pops up — an offer still waiting for an answer, a
 * release still grabbable — labelled by the requirement's code, never by an internal id; a win, a
 * release now full and an ended work order only update the page.
 */

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ops, phone, planner, plannerCookie, requirementBody, until, withApp } from '../support.js';
import { launch, liveOf, open, shot, signedIn } from './browser.js';

const h = withApp({ TIER_DELAYS: 'S:0,A:3600,B:3600,C:3600', DISPATCH_ACCEPT_WITHIN: '3600' });
let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

async function plannerAt(place: string) {
  const s = (await ops(h.app.url).post('/suppliers', { name: `工作台社-${place}-${phone()}` })).body;
  const p = await ops(h.app.url).post('/planners', {
    supplierId: s.id,
    name: `工作台${phone().slice(-4)}`,
    phone: phone(),
    tier: 'S',
    destinations: [place],
    maxActive: 9,
    openid: `o-desk-${phone()}`,
  });
  expect(p.status).toBe(201);
  return p.body.id as number;
}

it('on opening, the workbench pops up only what is still actionable, by code', async () => {
  const place = `工作台地-${phone().slice(-4)}`;
  const me = await plannerAt(place);
  const rival = await plannerAt(place);
  const profile = await signedIn(browser, h.app.url, plannerCookie(h.app.ctx, me), { wide: true });
  let page = await open(profile, `${h.app.url}/pc`);
  await until(async () => (await liveOf(page))?.leader && (await page.locator('.link--open').count()) > 0);
  // Something seen, so the browser remembers where its stream stopped.
  const seen = (await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 1 }))).body;
  await until(async () => (await liveOf(page))!.events.some((e) => e.data.requirementId === seen.id));
  await page.close();

  // Away: a release that a rival then fills; a win of mine; a release still open; an offer by ops.
  const gone = (await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 1 }))).body;
  expect((await planner(h.app.url, h.app.ctx, rival).grab(gone.id)).status).toBe(201);
  const won = (await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 2 }))).body;
  expect((await planner(h.app.url, h.app.ctx, me).grab(won.id)).status).toBe(201);
  const open_ = (await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 2 }))).body;
  const offered = (await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 1 }))).body;
  expect((await planner(h.app.url, h.app.ctx, rival).grab(offered.id)).status).toBe(201); // the rival's, then handed back below
  const dispatch = await ops(h.app.url).post(`/requirements/${won.id}/dispatch`, { plannerId: rival });
  expect(dispatch.status).toBe(201); // an offer to the rival, not me: not mine to answer
  const mine = (await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 1 }))).body;
  expect((await ops(h.app.url).post(`/requirements/${mine.id}/dispatch`, { plannerId: me })).status).toBe(201);
  await until(async () => (await h.app.ctx.db.workOrder.count({ where: { plannerId: me } })) === 2);
  await new Promise((r) => setTimeout(r, 500)); // the live events of all that are stored

  page = await open(profile, `${h.app.url}/pc`);
  await until(async () => (await liveOf(page))?.events.some((e) => e.type === 'offered'), 15_000);
  // Everything missed came (nothing lost) …
  const live = (await liveOf(page))!;
  const released = live.events.filter((e) => e.type === 'released').map((e) => e.data.requirementId);
  expect(released).toEqual(expect.arrayContaining([gone.id, won.id, open_.id, mine.id]));
  // … but only the still-actionable popped up: the open release and my pending offer.
  await until(async () => (await page.locator('.pop').count()) === 2, 10_000);
  await new Promise((r) => setTimeout(r, 1000));
  const pops = await page.locator('.pop').allTextContents();
  expect(pops).toHaveLength(2);
  expect(pops.join(' ')).toContain(open_.code);
  expect(pops.some((t) => t.includes('系统派单'))).toBe(true);
  expect(pops.join(' ')).not.toMatch(/#\d/);
  expect(pops.join(' ')).not.toContain('抢单成功');
  await shot(page, 'pc-reopened-actionable-only');
  await profile.close();
});

it('a grab is said once (the dialog, not also a pop-up); the contact is a tap to call; parties in words; messages date with a year; the tabs have icons', async () => {
  const place = `一次地-${phone().slice(-4)}`;
  const me = await plannerAt(place);
  const r = (
    await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 2, adults: 2, children: 0 }))
  ).body;
  const profile = await signedIn(browser, h.app.url, plannerCookie(h.app.ctx, me));
  const page = await open(profile, `${h.app.url}/h5/pool`);
  await until(async () => (await page.locator(`.card[data-req="${r.id}"]`).count()) === 1);
  expect(await page.locator('.tabbar .tabbar__icon').count()).toBe(2);
  await page.locator(`.card[data-req="${r.id}"] button`).first().click();
  await until(async () => (await page.locator('.weui-dialog').textContent())?.includes('抢单成功'));
  // The live "won" arrives too; it does not pop up what the dialog already said.
  await until(async () => (await liveOf(page))!.events.some((e) => e.type === 'won' && e.data.requirementId === r.id));
  await new Promise((res) => setTimeout(res, 800));
  expect(await page.locator('.pop').count()).toBe(0);
  await shot(page, 'h5-grab-said-once');

  const wo = (await h.app.ctx.db.workOrder.findFirstOrThrow({ where: { requirementId: r.id, plannerId: me } })).id;
  await page.goto(`${h.app.url}/h5/work-orders/${wo}`);
  await until(async () => (await page.locator('a[href^="tel:"]').count()) === 1);
  expect(await page.textContent('main')).toContain('2成人');
  expect(await page.textContent('main')).not.toMatch(/\d大\d小/);
  await shot(page, 'h5-work-order-call');
  const released = await until(() => h.app.ctx.db.message.findFirst({ where: { plannerId: me, kind: 'released', requirementId: r.id } }));
  expect(JSON.stringify(released.data)).toMatch(/\d{4}\.\d{2}\.\d{2}~/);
  // WeChat's #wechat_redirect does not stay on a page's address.
  await page.goto(`${h.app.url}/h5/pool#wechat_redirect`);
  await until(async () => (await page.evaluate(() => location.hash)) === '');
  await profile.close();
});
