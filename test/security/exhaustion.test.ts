/**
 * Connection exhaustion: one session opening stream after stream, an address holding many, a flood
 * of idle sockets, bodies promised and never sent. Each is capped or cut, and /healthz keeps answering.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Running } from '../../src/boot.js';
import { scanKeys } from '../../src/infra/keys.js';
import { type Env, isolatedEnv, OPS_TOKEN, ops, phone, plannerCookie, startApp, until } from '../support.js';

let env: Env;
let app: Running; // small caps
let quick: Running; // short timeouts
let perIp: Running; // few connections per address

beforeAll(async () => {
  env = await isolatedEnv();
  // Long timeouts here: idle sockets must outlive a slow CI while the caps are checked.
  app = await startApp(env, {
    LIVE_MAX_PER_USER: '3',
    LIVE_MAX_PER_IP: '5',
    MAX_CONNECTIONS: '20',
    HEADERS_TIMEOUT_MS: '60000',
    REQUEST_TIMEOUT_MS: '65000',
  });
  // Short, but with room: the 401 test must never race the request timeout on a busy machine.
  quick = await startApp(env, { ROLE: 'web', HEADERS_TIMEOUT_MS: '2000', REQUEST_TIMEOUT_MS: '5000' });
  perIp = await startApp(env, { ROLE: 'web', MAX_CONNECTIONS_PER_IP: '5', HEADERS_TIMEOUT_MS: '60000', REQUEST_TIMEOUT_MS: '65000' });
});
afterAll(async () => {
  await perIp?.stop();
  await quick?.stop();
  await app?.stop();
  await env?.release();
});

async function newPlanner() {
  const s = (await ops(app.url).post('/suppliers', { name: `flood-${phone()}` })).body;
  return (
    await ops(app.url).post('/planners', {
      supplierId: s.id,
      name: '洪水',
      phone: phone(),
      tier: 'S',
      destinations: ['西宁'],
      maxActive: 2,
      openid: `o-flood-${phone()}`,
    })
  ).body.id as number;
}

/** Opens a stream (a new browser: no cid cookie) and collects its event types until it ends. */
async function stream(cookie: string) {
  const ac = new AbortController();
  const res = await fetch(`${app.url}/api/live/stream`, { headers: { cookie }, signal: ac.signal });
  expect(res.status).toBe(200);
  const s = { types: [] as string[], ended: false, close: () => ac.abort() };
  void (async () => {
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        for (const m of dec.decode(value).matchAll(/^event: (\w+)/gm)) s.types.push(m[1]);
      }
    } catch {
      /* aborted */
    }
    s.ended = true;
  })();
  return s;
}

/** A raw socket: writes what it is given, resolves with what the server sent once it closes. */
function raw(url: string, data: string): { socket: Socket; closed: Promise<string> } {
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  let got = '';
  socket.setEncoding('utf8').on('data', (d) => (got += d));
  socket.on('connect', () => socket.write(data));
  const closed = new Promise<string>((ok) => socket.on('close', () => ok(got)));
  socket.on('error', () => {});
  return { socket, closed };
}

it('one session opening stream after stream holds at most LIVE_MAX_PER_USER; the oldest are told and closed; no browser record outlives its stream', async () => {
  const cookie = plannerCookie(app.ctx, await newPlanner());
  const streams: Awaited<ReturnType<typeof stream>>[] = [];
  for (let i = 0; i < 6; i++) streams.push(await stream(cookie));
  await until(() => streams.slice(0, 3).every((s) => s.ended));
  expect(streams.slice(0, 3).every((s) => s.types.includes('replaced'))).toBe(true);
  expect(streams.slice(3).some((s) => s.ended)).toBe(false);
  expect(app.hub!.connections()).toBe(3);
  for (const s of streams) s.close();
  await until(() => app.hub!.connections() === 0);
  // Each closed stream let go of its browser entry (the hash is dropped once empty).
  await until(async () => {
    for await (const keys of scanKeys(app.ctx.redis, 'live:browser:*')) if (keys.length) return false;
    return true;
  });
});

it('streams from one address are capped across users (LIVE_MAX_PER_IP)', async () => {
  const streams: Awaited<ReturnType<typeof stream>>[] = [];
  for (let i = 0; i < 7; i++) streams.push(await stream(plannerCookie(app.ctx, await newPlanner())));
  await until(() => streams.slice(0, 2).every((s) => s.ended));
  expect(app.hub!.connections()).toBe(5);
  for (const s of streams) s.close();
  await until(() => app.hub!.connections() === 0);
});

it('past MAX_CONNECTIONS every request but /healthz answers 503 and closes; health checks still get through', async () => {
  const idle = Array.from({ length: 22 }, () => raw(app.url, ''));
  await Promise.all(idle.map((s) => new Promise((ok) => s.socket.once('connect', ok))));
  try {
    await until(async () => (await fetch(`${app.url}/api/session`)).status === 503);
    const busy = await fetch(`${app.url}/api/session`);
    expect(busy.headers.get('connection')).toBe('close');
    expect((await busy.json()).error.code).toBe('BUSY');
    const health = await fetch(`${app.url}/healthz`);
    expect(health.status).toBe(200);
  } finally {
    for (const s of idle) s.socket.destroy();
  }
  await until(async () => (await fetch(`${app.url}/api/session`)).status === 401);
});

it("a stranger's promised body is not waited for: authentication answers first, and the connection closes", async () => {
  const { closed } = raw(
    quick.url,
    'POST /api/traveler/requirements HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"a":',
  );
  const answer = await closed;
  expect(answer).toMatch(/^HTTP\/1\.1 401/);
  expect(answer.toLowerCase()).toContain('connection: close');
});

it('one address holding more than MAX_CONNECTIONS_PER_IP sockets: the next is closed unanswered', async () => {
  const held = Array.from({ length: 5 }, () => raw(perIp.url, ''));
  await Promise.all(held.map((s) => new Promise((ok) => s.socket.once('connect', ok))));
  try {
    const extra = raw(perIp.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await extra.closed).toBe('');
  } finally {
    for (const s of held) s.socket.destroy();
  }
  await until(
    async () =>
      (await fetch(`${perIp.url}/healthz`).then(
        (r) => r.status,
        () => 0,
      )) === 200,
  );
});

it('a body never finished, headers never finished, or nothing ever sent: the server cuts each (REQUEST_TIMEOUT_MS, HEADERS_TIMEOUT_MS)', async () => {
  const nothing = raw(quick.url, '');
  const body = raw(
    quick.url,
    `POST /api/ops/suppliers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${OPS_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":`,
  );
  const headers = raw(quick.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n');
  // Both end by the server's doing (the test's own timeout is far longer than either limit).
  expect(await body.closed).toMatch(/^HTTP\/1\.1 408|^$/);
  expect(await headers.closed).toMatch(/^HTTP\/1\.1 408|^$/);
  // Closed unanswered by our timer, or answered 408 by node's own check: either way, not kept.
  expect(await nothing.closed).toMatch(/^HTTP\/1\.1 408|^$/);
});
