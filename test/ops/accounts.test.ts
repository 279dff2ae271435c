/**
 * Ops accounts and their safety, over real HTTP: `npm run ops-user` prints a one-time password;
 * sign-in sets a HttpOnly, SameSite=Strict cookie; wrong passwords are limited per account; a
 * cross-site state change with the cookie is refused while the same request from the console goes
 * through; the API token still works for scripts; every change is in the audit log with before →
 * after, readable by admins only; signing out ends the session; planners and travelers get 403.
 */
import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { upsertAccount } from '../../src/ops/index.js';
import { signSession } from '../../src/session/index.js';
import { call, ops, phone, plannerCookie, testConfig, withApp } from '../support.js';

const h = withApp();
const ROOT = resolve(import.meta.dirname, '../..');

async function signInAs(email: string, password: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${h.app.url}/api/ops/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: h.app.url, ...headers },
    body: JSON.stringify({ email, password }),
  });
  return { status: res.status, body: await res.json(), cookie: res.headers.get('set-cookie') };
}

const cookieOf = (setCookie: string | null) => setCookie!.split(';')[0];

it('npm run ops-user creates an account and prints a one-time password that signs in; run again it resets it', async () => {
  const cfg = testConfig(h.env);
  const env = {
    ...process.env,
    REDIS_URL: h.env.redisUrl,
    DATABASE_URL: h.env.databaseUrl,
    SESSION_SECRET: 'test-session-secret-0123456789abcdef',
    LOG_LEVEL: 'silent',
    DATA_DIR: cfg.DATA_DIR,
  };
  const run = (...args: string[]) =>
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/ops-user.ts', ...args], { cwd: ROOT, env, encoding: 'utf8' });
  const out = run('--email', 'Boss@Example.com', '--role', 'admin', '--name', '老板');
  expect(out).toMatch(/^created boss@example\.com \(role admin\)$/m);
  const password = /one-time password: (\S+)/.exec(out)![1];
  expect(password).toHaveLength(16);
  const row = await h.app.ctx.db.opsAccount.findUnique({ where: { email: 'boss@example.com' } });
  expect(row!.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$/);
  expect(row!.passwordHash).not.toContain(password);
  const signed = await signInAs('boss@example.com', password);
  expect([signed.status, signed.body.role, signed.body.name]).toEqual([200, 'admin', '老板']);
  expect(signed.cookie).toMatch(/^ops_sid=[^;]+; path=\/; expires=[^;]+; samesite=strict; httponly$/i);

  const again = run('--email', 'boss@example.com');
  expect(again).toMatch(/^password reset for boss@example\.com \(role admin\)$/m);
  expect((await signInAs('boss@example.com', password)).status).toBe(401);
  // The old password's session ended with the reset.
  expect((await call(h.app.url, 'GET', '/api/ops/me', undefined, { cookie: cookieOf(signed.cookie) })).status).toBe(401);
  expect(() => run('--email', 'not-an-email')).toThrow();
}, 60_000);

/** A sign-in from another loopback address (127.0.0.N): a different client as the server sees it. */
function signInFrom(localAddress: string, email: string, password: string) {
  const body = JSON.stringify({ email, password });
  const u = new URL(h.app.url);
  return new Promise<{ status: number; body: any }>((ok, fail) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: '/api/ops/session',
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/json', origin: h.app.url, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d)).on('end', () => ok({ status: res.statusCode!, body: JSON.parse(text) }));
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}

it("wrong passwords slow down that account from that address only: a stranger's guesses never lock out the right password from elsewhere", async () => {
  const { password } = await upsertAccount(h.app.ctx, { email: 'guess@example.com' });
  const attacker = '127.0.0.21';
  for (let i = 0; i < 4; i++) {
    const r = await signInFrom(attacker, 'guess@example.com', 'wrong');
    expect([r.status, r.body.error.code, r.body.error.message, r.body.error.field]).toEqual([
      401,
      'LOGIN_FAILED',
      '邮箱或密码不正确。',
      'password',
    ]);
  }
  // Each failure past the free ones sets a longer delay. Guess on until one is refused with at least
  // 2 s to wait (no clock in the test: a slow machine only takes more guesses), then the right
  // password from there waits too.
  let refused: { status: number; body: any } | null = null;
  for (let i = 0; i < 12 && !refused; i++) {
    const r = await signInFrom(attacker, 'guess@example.com', 'wrong');
    const wait = r.status === 429 ? Number(/请 (\d+) 秒/.exec(r.body.error.message)?.[1]) : 0;
    if (wait >= 2) refused = r;
    else if (wait) await new Promise((ok) => setTimeout(ok, wait * 1000)); // waited out, the next guess counts
  }
  expect(refused!.body.error.message).toMatch(/^登录尝试太频繁，请 \d+ 秒后再试。$/);
  const cut = await signInFrom(attacker, 'guess@example.com', password);
  expect([cut.status, cut.body.error.code]).toEqual([429, 'LOGIN_RATE_LIMITED']);
  // The owner, from their own address, is not locked out.
  const owner = await signInFrom('127.0.0.22', 'guess@example.com', password);
  expect([owner.status, owner.body.email]).toEqual([200, 'guess@example.com']);

  const stranger = await signInAs('nobody@example.com', 'x');
  expect([stranger.status, stranger.body.error.code]).toEqual([401, 'LOGIN_FAILED']);
  const bad = await signInAs('not-an-email', '');
  expect([bad.status, bad.body.error.code, Object.keys(bad.body.error.fields).sort()]).toEqual([400, 'VALIDATION', ['email', 'password']]);
  // Failed and throttled tries are in the audit log (who was tried, masked; from where).
  const audit = await h.app.ctx.db.opsAudit.findMany({ where: { ip: { contains: attacker } } });
  expect(audit.filter((a) => a.action === 'sign-in failed').length).toBeGreaterThanOrEqual(4);
  expect(audit.filter((a) => a.action === 'sign-in throttled').length).toBeGreaterThanOrEqual(2);
  expect(audit[0].actor).toBe('sign-in:g***@example.com');
});

it('40 concurrent guesses on one account from one address: the tries are counted before the hash, so only the free ones are evaluated', async () => {
  await upsertAccount(h.app.ctx, { email: 'storm@example.com' });
  const answers = await Promise.all(Array.from({ length: 40 }, () => signInFrom('127.0.0.23', 'storm@example.com', 'guess')));
  const evaluated = answers.filter((a) => a.status === 401).length;
  // 3 free and the one that sets the first delay (a machine stalled past that 1 s delay lets one or two more through).
  expect(evaluated).toBeGreaterThanOrEqual(4);
  expect(evaluated).toBeLessThanOrEqual(6);
  expect(answers.filter((a) => a.status === 429)).toHaveLength(40 - evaluated);
});

it("a suspended account's right password is answered as a wrong one", async () => {
  const { id, password } = await upsertAccount(h.app.ctx, { email: 'paused@example.com' });
  await h.app.ctx.db.opsAccount.update({ where: { id }, data: { status: 'suspended' } });
  const r = await signInFrom('127.0.0.24', 'paused@example.com', password);
  expect([r.status, r.body.error.code, r.body.error.message]).toEqual([401, 'LOGIN_FAILED', '邮箱或密码不正确。']);
  const audited = await h.app.ctx.db.opsAudit.findFirst({ where: { accountId: id }, orderBy: { id: 'desc' } });
  expect(audited?.action).toBe('sign-in refused: account suspended');
});

it('with the console cookie: reads work; a change from another site is refused, from the console it goes through; the token still works', async () => {
  const { password } = await upsertAccount(h.app.ctx, { email: 'ops1@example.com', role: 'ops' });
  const { cookie } = await signInAs('ops1@example.com', password);
  const jar = { cookie: cookieOf(cookie) };
  expect((await call(h.app.url, 'GET', '/api/ops/me', undefined, jar)).body).toMatchObject({ email: 'ops1@example.com', role: 'ops' });

  const body = { name: `csrf-${phone()}` };
  const evil = await call(h.app.url, 'POST', '/api/ops/suppliers', body, { ...jar, origin: 'https://evil.example' });
  expect([evil.status, evil.body.error.code]).toEqual([403, 'CROSS_SITE']);
  const blind = await call(h.app.url, 'POST', '/api/ops/suppliers', body, jar); // no Origin, no Referer
  expect(blind.status).toBe(403);
  const crossFetch = await call(h.app.url, 'POST', '/api/ops/suppliers', body, { ...jar, 'sec-fetch-site': 'cross-site' });
  expect(crossFetch.status).toBe(403);
  expect(await h.app.ctx.db.supplier.count({ where: { name: body.name } })).toBe(0);
  const mine = await call(h.app.url, 'POST', '/api/ops/suppliers', body, { ...jar, origin: h.app.url });
  expect(mine.status).toBe(201);
  // Scripts: the bearer token needs no Origin.
  expect((await ops(h.app.url).post('/suppliers', { name: `token-${phone()}` })).status).toBe(201);
});

it('every change is audited with who, what and before → after; only admins read the log', async () => {
  const admin = await upsertAccount(h.app.ctx, { email: 'audit-admin@example.com', role: 'admin' });
  const plain = await upsertAccount(h.app.ctx, { email: 'audit-ops@example.com', role: 'ops' });
  const a = { cookie: cookieOf((await signInAs(admin.email, admin.password)).cookie), origin: h.app.url };
  const o = { cookie: cookieOf((await signInAs(plain.email, plain.password)).cookie), origin: h.app.url };
  const s = await call(h.app.url, 'POST', '/api/ops/suppliers', { name: `审计-${phone()}` }, o);
  const p = await call(
    h.app.url,
    'POST',
    '/api/ops/planners',
    { supplierId: s.body.id, name: '审计', phone: phone(), tier: 'B', destinations: ['大理'], maxActive: 2 },
    o,
  );
  expect((await call(h.app.url, 'PATCH', `/api/ops/planners/${p.body.id}`, { tier: 'A' }, o)).status).toBe(200);

  expect((await call(h.app.url, 'GET', '/api/ops/audit', undefined, o)).body.error.code).toBe('ADMIN_ONLY');
  const log = (await call(h.app.url, 'GET', '/api/ops/audit?limit=10', undefined, a)).body.items as {
    actor: string;
    action: string;
    target: string | null;
    before: any;
    after: any;
    accountId: number;
  }[];
  const patch = log.find((x) => x.action === 'PATCH /api/ops/planners/:id')!;
  expect(patch).toMatchObject({ actor: `account:${plain.id}`, accountId: plain.id, target: String(p.body.id) });
  // The change, not the whole row; and no one-time bind code anywhere in the log.
  expect([patch.before, patch.after]).toEqual([{ tier: 'B' }, { tier: 'A' }]);
  const created = log.find((x) => x.action === 'POST /api/ops/planners')!;
  expect([created.after.name, created.after.bindCode]).toEqual(['审计', '（已隐藏）']);
  expect(JSON.stringify(log)).not.toContain(p.body.bindCode);
  expect(log.some((x) => x.action === 'sign in' && x.accountId === plain.id)).toBe(true);
  expect(JSON.stringify(log)).not.toContain(plain.password);
  // The API token is an actor too.
  await ops(h.app.url).post('/suppliers', { name: `token-audit-${phone()}` });
  const latest = (await ops(h.app.url).get('/audit?limit=1')).body.items[0];
  expect([latest.actor, latest.action]).toEqual(['api-token', 'POST /api/ops/suppliers']);
});

it('signing out ends the session; a planner or traveler cookie gets 403 on ops routes', async () => {
  const { email, password } = await upsertAccount(h.app.ctx, { email: 'bye@example.com' });
  const jar = { cookie: cookieOf((await signInAs(email, password)).cookie), origin: h.app.url };
  const out = await fetch(`${h.app.url}/api/ops/session`, { method: 'DELETE', headers: jar });
  expect(out.status).toBe(204);
  expect(out.headers.get('set-cookie')).toMatch(/^ops_sid=;/);
  expect((await call(h.app.url, 'GET', '/api/ops/me', undefined, jar)).status).toBe(401);

  const s = (await ops(h.app.url).post('/suppliers', { name: `p-${phone()}` })).body;
  const p = (
    await ops(h.app.url).post('/planners', {
      supplierId: s.id,
      name: '非运营',
      phone: phone(),
      tier: 'C',
      destinations: ['丽江'],
      maxActive: 1,
      openid: `o-${phone()}`,
    })
  ).body;
  const asPlanner = { cookie: plannerCookie(h.app.ctx, p.id), origin: h.app.url };
  expect((await call(h.app.url, 'GET', '/api/ops/requirements/1', undefined, asPlanner)).status).toBe(403);
  const traveler = `sid=${signSession(h.app.ctx.sessionSecret, { role: 'traveler', id: 1 })}`;
  expect((await call(h.app.url, 'POST', '/api/ops/suppliers', { name: 'x' }, { cookie: traveler, origin: h.app.url })).status).toBe(403);
});

it('the console pages: sign in with the form, see the audit log as admin, sign out', async () => {
  const { email, password } = await upsertAccount(h.app.ctx, { email: 'page@example.com', role: 'admin', name: '页面' });
  expect((await fetch(`${h.app.url}/ops`, { redirect: 'manual' })).headers.get('location')).toBe('/ops/login');
  const login = await (await fetch(`${h.app.url}/ops/login`)).text();
  expect(login).toContain('运营后台登录');
  const post = (form: Record<string, string>, headers: Record<string, string> = { origin: h.app.url }) =>
    fetch(`${h.app.url}/ops/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form),
    });
  const wrong = await post({ email, password: 'nope' });
  expect(wrong.status).toBe(401);
  expect(await wrong.text()).toContain('邮箱或密码不正确。');
  expect((await post({ email, password }, { origin: 'https://evil.example' })).status).toBe(403);
  const ok = await post({ email, password });
  expect([ok.status, ok.headers.get('location')]).toEqual([303, '/ops']);
  const cookie = cookieOf(ok.headers.get('set-cookie'));
  const home = await (await fetch(`${h.app.url}/ops`, { headers: { cookie } })).text();
  expect(home).toContain('页面（管理员）');
  expect(home).toContain('<a href="/ops/audit">操作记录</a>'); // admins see the audit log
  const audit = await (await fetch(`${h.app.url}/ops/audit`, { headers: { cookie } })).text();
  expect(audit).toContain('页面（page@example.com）');
  expect(audit).toContain('登录');
  const out = await fetch(`${h.app.url}/ops/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, origin: h.app.url } });
  expect([out.status, out.headers.get('location')]).toEqual([303, '/ops/login']);
  expect((await fetch(`${h.app.url}/ops`, { redirect: 'manual', headers: { cookie } })).headers.get('location')).toBe('/ops/login');
});

it('resetting a password changes only the password; nobody changes their own role or status; the last admin stays', async () => {
  const a = await upsertAccount(h.app.ctx, { email: 'admin-a@example.com', role: 'admin' });
  const b = await upsertAccount(h.app.ctx, { email: 'admin-b@example.com', role: 'admin' });
  const jar = { cookie: cookieOf((await signInAs('admin-a@example.com', a.password)).cookie), origin: h.app.url };
  // The console's reset form posts only the e-mail: B stays an admin.
  const reset = await call(h.app.url, 'POST', '/api/ops/accounts', { email: 'admin-b@example.com' }, jar);
  expect([reset.status, reset.body.role]).toEqual([200, 'admin']);
  expect((await h.app.ctx.db.opsAccount.findUnique({ where: { id: b.id } }))!.role).toBe('admin');
  // A resetting their own password is still an admin, and cannot demote or suspend themselves.
  for (const patch of [{ role: 'ops' }, { status: 'suspended' }, { role: 'admin' }]) {
    const self = await call(h.app.url, 'PATCH', `/api/ops/accounts/${a.id}`, patch, jar);
    expect([self.status, self.body.error.code]).toEqual([409, 'NOT_YOURSELF']);
  }
  // Demote every other active admin (the API token is nobody's account); the last one stays.
  const admins = await h.app.ctx.db.opsAccount.findMany({ where: { role: 'admin', status: 'active' }, orderBy: { id: 'asc' } });
  expect(admins.length).toBeGreaterThan(1);
  for (const x of admins.slice(0, -1)) expect((await ops(h.app.url).patch(`/accounts/${x.id}`, { role: 'ops' })).status).toBe(200);
  const last = admins.at(-1)!;
  for (const patch of [{ role: 'ops' }, { status: 'suspended' }]) {
    const r = await ops(h.app.url).patch(`/accounts/${last.id}`, patch);
    expect([r.status, r.body.error.code]).toEqual([409, 'LAST_ADMIN']);
  }
  expect(await h.app.ctx.db.opsAccount.count({ where: { role: 'admin', status: 'active' } })).toBe(1);
});
