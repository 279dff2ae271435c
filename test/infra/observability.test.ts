/**
 * What an operator reads: every answer's X-Request-Id, the same id on every log line written while
 * the request was handled, phones masked in those lines, /healthz apart from /readyz.
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Running, start } from '../../src/boot.js';
import { createLogger } from '../../src/log.js';
import { type Env, freePort, isolatedEnv, testConfig, until } from '../support.js';

let env: Env;
let app: Running;
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  env = await isolatedEnv();
  const out = new PassThrough();
  let rest = '';
  out.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString('utf8')).split('\n');
    rest = parts.pop()!;
    for (const p of parts) if (p) lines.push(JSON.parse(p));
  });
  const port = String(await freePort());
  app = await start(testConfig(env, { PORT: port, PUBLIC_URL: `http://127.0.0.1:${port}` }), { log: createLogger('info', out) });
});
afterAll(async () => {
  await app?.stop();
  await env?.release();
});

it('every answer carries a request id, and the log lines written for it carry the same', async () => {
  const fresh = await fetch(`${app.url}/healthz`);
  const id = fresh.headers.get('x-request-id');
  expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
  const next = (await fetch(`${app.url}/healthz`)).headers.get('x-request-id');
  expect(next).not.toBe(id);
  // A load balancer's id is kept; a header that is not a plain token is replaced.
  const theirs = 'lb-7f3a9c21-0042';
  const refused = await fetch(`${app.url}/wechat/callback?signature=bad&timestamp=1&nonce=2`, {
    method: 'POST',
    headers: { 'x-request-id': theirs, 'content-type': 'text/xml' },
    body: '<xml><ToUserName>x</ToUserName></xml>',
  });
  expect(refused.status).toBeGreaterThanOrEqual(400);
  expect(refused.headers.get('x-request-id')).toBe(theirs);
  // The line is written before the answer; waited for, not timed (the stream delivers it on a later tick).
  await until(() => lines.some((l) => l.reqId === theirs && l.msg === 'wechat callback refused'));
  expect(lines.filter((l) => l.reqId === theirs).map((l) => l.msg)).toContain('wechat callback refused');
  const odd = await fetch(`${app.url}/healthz`, { headers: { 'x-request-id': 'a b<script>' } });
  expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
  // The lean routes (grab) carry it too.
  const grab = await fetch(`${app.url}/api/planner/grabs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(grab.status).toBe(401);
  expect(grab.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-/);
});

it('a phone in a log line is masked, whatever the object it is in', () => {
  const out = new PassThrough();
  const got: string[] = [];
  out.on('data', (c: Buffer) => got.push(c.toString('utf8')));
  const log = createLogger('info', out);
  log.info({ phone: '13800138000', traveler: { phone: '13912345678', name: 'x' }, token: 'abc' }, 'hello');
  const line = JSON.parse(got.join(''));
  expect(line).toMatchObject({ phone: '138****8000', traveler: { phone: '139****5678' } });
  expect(got.join('')).not.toContain('13800138000');
  expect(got.join('')).not.toContain('abc');
});
