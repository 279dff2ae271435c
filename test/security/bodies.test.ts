/**
 * Bodies and paths an attacker sends: JSON nested thousands deep is refused before it is parsed or
 * walked (a few KB of `[` once held the event loop a second each), sign-in refuses a foreign origin
 * or an oversized body before reading it, a NUL in a path is a 400, an unknown path is answered in
 * words. Each answer is a 4xx, never a 500, and other requests are served meanwhile.
 */
import { expect, it } from 'vitest';
import { nestedDeeper, nulAt, parseJsonText } from '../../src/http/body.js';
import { call, OPS_TOKEN, plannerCookie, withApp } from '../support.js';

const h = withApp();
const bearer = { authorization: `Bearer ${OPS_TOKEN}` };

it('deeply nested JSON is refused before parsing, on every JSON route (Koa and the lean grab route), never a 500', async () => {
  for (const depth of [4_000, 30_000]) {
    const deep = '['.repeat(depth) + ']'.repeat(depth);
    const onOps = await call(h.app.url, 'POST', '/api/ops/suppliers', deep, { ...bearer, 'content-type': 'application/json' });
    expect([onOps.status, onOps.body.error.code]).toEqual([400, 'BAD_REQUEST']);
    expect(onOps.body.error.message).toContain('nested deeper');
    const cookie = plannerCookie(h.app.ctx, 1);
    const onGrab = await call(h.app.url, 'POST', '/api/planner/grabs', deep, { cookie, 'content-type': 'application/json' });
    expect([onGrab.status, onGrab.body.error.code]).toEqual([400, 'BAD_REQUEST']);
  }
  // A body nested as a real form nests is taken.
  const ok = await call(h.app.url, 'POST', '/api/ops/suppliers', { name: '正常的供应商' }, bearer);
  expect(ok.status).toBe(201);
});

it('an attacker looping deep bodies does not hold up other requests', async () => {
  const deep = '['.repeat(3_000) + ']'.repeat(3_000);
  let stop = false;
  const attackers = [0, 1].map(async () => {
    let n = 0;
    while (!stop && n < 200) {
      n++;
      await call(h.app.url, 'POST', '/api/ops/suppliers', deep, { ...bearer, 'content-type': 'application/json' });
    }
    return n;
  });
  // Meanwhile ordinary reads are answered (correctness here; their latency is the bench's business).
  for (let i = 0; i < 20; i++) expect((await call(h.app.url, 'GET', '/healthz')).status).toBe(200);
  stop = true;
  expect((await Promise.all(attackers)).every((n) => n > 0)).toBe(true);
});

it('sign-in checks the origin and a small size limit before reading the body', async () => {
  const deep = '['.repeat(4_000) + ']'.repeat(4_000);
  const foreign = await call(h.app.url, 'POST', '/api/ops/session', deep, {
    'content-type': 'application/json',
    origin: 'https://evil.example',
  });
  expect([foreign.status, foreign.body.error.code]).toEqual([403, 'CROSS_SITE']);
  const big = JSON.stringify({ email: 'a@b.cn', password: 'x'.repeat(5_000) });
  const tooBig = await call(h.app.url, 'POST', '/api/ops/session', big, { 'content-type': 'application/json', origin: h.app.url });
  expect([tooBig.status, tooBig.body.error.code]).toEqual([413, 'TOO_LARGE']);
});

it('a NUL in a path segment is a 400, not a 500', async () => {
  const cookie = plannerCookie(h.app.ctx, 1);
  for (const path of ['/api/planner/work-orders/ab%00cd/proposal', '/api/ops/requirements/1%00']) {
    const res = await call(h.app.url, path.startsWith('/api/ops') ? 'GET' : 'POST', path, path.startsWith('/api/ops') ? undefined : {}, {
      ...bearer,
      cookie,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
  }
});

it('an unknown path is answered in words: a Chinese page for a person, the error shape for the API', async () => {
  const page = await fetch(`${h.app.url}/no/such/page`, { headers: { accept: 'text/html' } });
  expect(page.status).toBe(404);
  const text = await page.text();
  expect(text).toContain('页面不存在');
  expect(text).not.toMatch(/^Not Found$/);
  const api = await call(h.app.url, 'GET', '/api/ops/no-such-thing', undefined, bearer);
  expect(api.status).toBe(404);
  expect(api.body.error.code).toBe('NOT_FOUND');
});

it('the NUL walk is iterative and linear: a value nested 100,000 deep is walked without a stack overflow', () => {
  let v: unknown = 'a\u0000b';
  for (let i = 0; i < 100_000; i++) v = [v];
  expect(nulAt(v)?.split('.').length).toBe(100_000);
  expect(nulAt({ a: [{ b: 'x' }, { c: 'y\u0000' }] })).toBe('a.1.c');
  expect(nulAt({ 'k\u0000': 1 })).toBe('k\\0');
  expect(nestedDeeper('{"a":"[[[[[[[[[[[[[[[[[[[[[[[[["}')).toBe(false); // brackets inside strings do not count
  expect(nestedDeeper('[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]')).toBe(true);
  expect(() => parseJsonText('{"a":"\\u0000"}')).toThrow(/a: must not contain NUL/);
});
