/**
 * Production is not development: the WeChat sandbox (which signs anyone in as anyone) is never
 * mounted there, a missing credential stops the boot naming it, and WeChat being down is a 502.
 */
import { createServer, type Server } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../../src/boot.js';
import { start } from '../../src/boot.js';
import { loadConfig } from '../../src/config.js';
import { loadTemplates } from '../../src/notify/templates.js';
import { call, child, type Env, isolatedEnv, startApp, testConfig } from '../support.js';

const ALL_TEMPLATES = [...loadTemplates().keys()].map((k) => `${k}=tmpl_${k.replaceAll('-', '_')}`).join(',');
let env: Env;
let silent: Server; // a "WeChat" that accepts connections and never answers
let silentUrl: string;

beforeAll(async () => {
  env = await isolatedEnv();
  silent = createServer(() => {}).listen(0);
  await new Promise((ok) => silent.once('listening', ok));
  silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
});
afterAll(async () => {
  silent?.close();
  await env?.release();
});

const production = (over: Record<string, string> = {}) => ({
  NODE_ENV: 'production',
  PUBLIC_URL: 'https://trip.example.com',
  REDIS_URL: env.redisUrl,
  DATABASE_URL: env.databaseUrl,
  SESSION_SECRET: 'prod-session-secret-0123456789abcdef',
  WECHAT_APPID: 'wx0123456789abcdef',
  WECHAT_SECRET: 'secret',
  WECHAT_TOKEN: 'token',
  WECHAT_TEMPLATE_IDS: ALL_TEMPLATES,
  SMS_WEBHOOK_URL: 'http://127.0.0.1:9/sms',
  ...over,
});

describe('sandbox in production', () => {
  it('production without WeChat credentials refuses to boot, naming every missing variable', async () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /WECHAT_APPID: required in production \(the local WeChat sandbox runs only in development and test\)/,
    );
    for (const name of [
      'PUBLIC_URL',
      'REDIS_URL',
      'DATABASE_URL',
      'SESSION_SECRET',
      'WECHAT_SECRET',
      'WECHAT_TOKEN',
      'WECHAT_TEMPLATE_IDS',
      'SMS_WEBHOOK_URL',
    ]) {
      expect(() => loadConfig({ ...production(), [name]: '' })).toThrow(new RegExp(`${name}[:,].*required`));
    }
    // npm start itself: exits 2 with the message, serves nothing.
    const proc = await child(env, { NODE_ENV: 'production', WECHAT_APPID: '' }, { waitHealthy: false });
    expect(await proc.exited).toBe(2);
    expect(proc.stderr()).toMatch(/WECHAT_APPID: required in production/);
  });

  it('real credentials without a template id for every message: production refuses, development warns', async () => {
    const partial = ALL_TEMPLATES.split(',')
      .filter((kv) => !kv.startsWith('won='))
      .join(',');
    await expect(startApp(env, production({ WECHAT_TEMPLATE_IDS: partial }))).rejects.toThrow(
      /WECHAT_TEMPLATE_IDS: no template id for won \(/,
    );
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const dev = await start(
      testConfig(env, { WECHAT_APPID: 'wx0123456789abcdef', WECHAT_SECRET: 's', WECHAT_TOKEN: 't', WECHAT_API_BASE: silentUrl }),
      { log },
    );
    await dev.stop();
    const warned = lines.map((l) => JSON.parse(l) as { msg: string }).find((l) => l.msg.startsWith('WECHAT_TEMPLATE_IDS'));
    expect(warned?.msg).toMatch(/no template id for .*released.*won/);
  });

  it('the sandbox (OAuth as anyone, inboxes, faults) is not mounted in production', async () => {
    const app: Running = await startApp(env, production({ WECHAT_API_BASE: silentUrl }));
    try {
      for (const path of [
        '/sandbox/phone',
        '/sandbox/connect/oauth2/authorize?appid=wx0123456789abcdef&redirect_uri=https://trip.example.com/auth/wechat/callback&openid=anyone',
        '/sandbox/users/x/inbox',
        '/sandbox/faults',
      ]) {
        expect((await fetch(app.url + path)).status, path).toBe(404);
      }
      expect(
        (
          await fetch(`${app.url}/sandbox/faults`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"slowMs":1}',
          })
        ).status,
      ).toBe(404);
      // And the callback is verified with the real token, not the sandbox's.
      const t = String(Math.floor(Date.now() / 1000));
      expect((await fetch(`${app.url}/wechat/callback?timestamp=${t}&nonce=1&signature=${'0'.repeat(40)}&echostr=x`)).status).toBe(401);
    } finally {
      await app.stop();
    }
  });
});

describe('WeChat down', () => {
  it('the OAuth exchange and the JS-SDK ticket answer 502 within the upstream timeout, not 500', async () => {
    const app = await startApp(env, {
      WECHAT_APPID: 'wx0123456789abcdef',
      WECHAT_SECRET: 's',
      WECHAT_TOKEN: 't',
      WECHAT_TEMPLATE_IDS: ALL_TEMPLATES,
      WECHAT_API_BASE: silentUrl,
      UPSTREAM_TIMEOUT_MS: '300',
    });
    try {
      const start = await fetch(`${app.url}/auth/wechat?next=/h5/pool`, { redirect: 'manual' });
      const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
      const nonce = start.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const back = await call(app.url, 'GET', `/auth/wechat/callback?code=abc&state=${encodeURIComponent(state)}`, undefined, {
        cookie: nonce,
      });
      expect(back.status).toBe(502);
      expect(back.body.error.code).toBe('WECHAT_UNAVAILABLE');
      const { signSession } = await import('../../src/session/session.js');
      const sid = `sid=${signSession(app.ctx.sessionSecret, { role: 'guest', id: 0, openid: 'o-x' })}`;
      const jssdk = await call(
        app.url,
        'GET',
        `/api/wechat/jssdk-config?url=${encodeURIComponent(`${app.ctx.config.PUBLIC_URL}/h5/pool`)}`,
        undefined,
        { cookie: sid },
      );
      expect(jssdk.status).toBe(502);
      expect(jssdk.body.error.code).toBe('WECHAT_UNAVAILABLE');
    } finally {
      await app.stop();
    }
  });
});
