/**
 * The server restarts under an open page: the page retries quickly a few times, then backs off with
 * jitter, reconnects when the server is back, and shows what it missed meanwhile (the release made
 * by another instance while this one was down, replayed from the planner's history). A graceful
 * restart tells the page to `reconnect` instead: it comes back after the wait the server chose,
 * without a failed attempt.
 */

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Running } from '../../src/boot.js';
import { RECONNECT_SPREAD_MS } from '../../src/live/hub.js';
import { RETRY } from '../../src/web/client/backoff.js';
import { child, type Env, freePort, isolatedEnv, ops, phone, plannerCookie, requirementBody, startApp, until } from '../support.js';
import { launch, liveOf, open, shot, signedIn } from './browser.js';

let env: Env;
let other: Running; // the instance that keeps running (workers, ops API)
let browser: Browser;

beforeAll(async () => {
  env = await isolatedEnv();
  other = await startApp(env);
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await other?.stop();
  await env?.release();
});

it('reconnects with backoff after a restart and shows the events it missed', async () => {
  const s = await ops(other.url).post('/suppliers', { name: `供应商-${phone()}` });
  const p = await ops(other.url).post('/planners', {
    supplierId: s.body.id,
    name: '重启测试',
    phone: phone(),
    tier: 'S',
    destinations: ['清迈'],
    maxActive: 5,
    openid: `o-restart-${phone()}`,
  });
  const port = await freePort();
  let web = await child(env, { ROLE: 'web' }, { port });

  const profile = await signedIn(browser, web.url, plannerCookie(other.ctx, p.body.id));
  const page = await open(profile, `${web.url}/h5/pool`);
  await until(async () => (await page.locator('.link--open').count()) === 1);
  const before = await ops(other.url).post('/requirements', requirementBody({ destinations: ['清迈'] }));
  await until(async () => (await page.locator(`.card[data-req="${before.body.id}"]`).count()) === 1);

  // The web instance dies; meanwhile the other one releases a requirement to this planner.
  web.proc.kill('SIGKILL');
  await web.exited;
  await until(async () => (await page.locator('.link--waiting').count()) === 1, 5000);
  const missed = await ops(other.url).post('/requirements', requirementBody({ destinations: ['清迈'] }));
  expect(missed.status).toBe(201);
  // Down long enough for the quick retries to run out and the backoff to begin.
  await until(async () => (await liveOf(page))!.delays.length > RETRY.quick, 15_000);
  await shot(page, 'h5-pool-reconnecting');
  web = await child(env, { ROLE: 'web' }, { port });

  await until(async () => (await page.locator('.link--open').count()) === 1, 70_000);
  await until(async () => (await page.locator(`.card[data-req="${missed.body.id}"]`).count()) === 1, 5000);
  const live = (await liveOf(page))!;
  expect(live.events.filter((e) => e.type === 'released').map((e) => e.data.requirementId)).toEqual([before.body.id, missed.body.id]);
  expect(live.popups.length).toBe(2); // the missed release popped up too (this tab is visible)
  // Quick retries first, around quickMs; then full jitter under base·2^k, never above the cap.
  const quick = live.delays.slice(0, RETRY.quick);
  for (const d of quick) {
    expect(d).toBeGreaterThanOrEqual(RETRY.quickMs * 0.5);
    expect(d).toBeLessThanOrEqual(RETRY.quickMs * 1.5);
  }
  for (const [k, d] of live.delays.slice(RETRY.quick).entries())
    expect(d).toBeLessThanOrEqual(Math.min(RETRY.capMs, RETRY.baseMs * 2 ** k));
  expect(live.connects).toBe(live.delays.length + 1);
  await profile.close();
  web.proc.kill('SIGTERM');
  await web.exited;
}, 120_000);

it('a rolling restart (SIGHUP) tells the page to reconnect: back after the chosen wait, no failed attempt, nothing missed', async () => {
  const s = await ops(other.url).post('/suppliers', { name: `供应商-${phone()}` });
  const p = await ops(other.url).post('/planners', {
    supplierId: s.body.id,
    name: '滚动重启',
    phone: phone(),
    tier: 'S',
    destinations: ['大理'],
    maxActive: 5,
    openid: `o-rolling-${phone()}`,
  });
  const web = await child(env, { ROLE: 'web', WEB_CONCURRENCY: '2' });
  const profile = await signedIn(browser, web.url, plannerCookie(other.ctx, p.body.id));
  const page = await open(profile, `${web.url}/h5/pool`);
  await until(async () => (await page.locator('.link--open').count()) === 1);

  const before = web.stderr().length;
  web.proc.kill('SIGHUP');
  // Releases while the web processes are replaced one by one: the page must end up with each.
  const during: number[] = [];
  while (!web.stderr().slice(before).includes('rolling restart done')) {
    const r = await ops(other.url).post('/requirements', requirementBody({ destinations: ['大理'] }));
    expect(r.status).toBe(201);
    during.push(r.body.id);
    await new Promise((ok) => setTimeout(ok, 500));
    if (during.length > 120) throw new Error('the rolling restart never finished');
  }
  await until(async () => (await page.locator('.link--open').count()) === 1, 10_000);
  for (const id of during) await until(async () => (await page.locator(`.card[data-req="${id}"]`).count()) === 1, 10_000);

  const live = (await liveOf(page))!;
  // Each process it was on told it to reconnect (every wait was one the server chose, within the
  // spread: no failure, no backoff), and every reconnect succeeded at once.
  expect(live.told).toBeGreaterThanOrEqual(1);
  expect(live.delays.length).toBe(live.told);
  for (const d of live.delays) expect(d).toBeLessThanOrEqual(RECONNECT_SPREAD_MS);
  expect(live.connects).toBe(live.delays.length + 1);
  const released = live.events.filter((e) => e.type === 'released').map((e) => e.data.requirementId);
  expect(new Set(released)).toEqual(new Set(during)); // each once: the replay fills the gap, nothing twice
  expect(released.length).toBe(during.length);
  await profile.close();
  web.proc.kill('SIGTERM');
  await web.exited;
}, 120_000);
