/**
 * Replayed and hostile callbacks. Plaintext mode's signature covers token+timestamp+nonce, not the
 * body, so a signed query string seen once (a log, the verification URL) must not carry another
 * message; a whole request replayed later must not be processed again; hostile XML is a 400.
 */
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../../src/boot.js';
import { wechatKeys } from '../../src/infra/keys.js';
import { sign, WechatCrypto } from '../../src/wechat/crypto.js';
import { cdata, parseXml } from '../../src/wechat/xml.js';
import { type Env, isolatedEnv, ops, phone, startApp } from '../support.js';

const TOKEN = 'sandbox-token';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
let env: Env;
let plain: Running;
let safe: Running;
let shift = 0; // the safe-mode instance's clock runs `shift` ms ahead
let msgId = 5_000_000;

beforeAll(async () => {
  env = await isolatedEnv();
  plain = await startApp(env);
  safe = await startApp(env, { ROLE: 'web', WECHAT_AES_KEY: AES_KEY }, () => Date.now() + shift);
});
afterAll(async () => {
  await safe?.stop();
  await plain?.stop();
  await env?.release();
});

function signed(timestamp = String(Math.floor(Date.now() / 1000)), nonce = String(Math.random()).slice(2)) {
  return { timestamp, nonce, signature: sign(TOKEN, timestamp, nonce) };
}
const text = (openid: string, content: string, id = ++msgId) =>
  `<xml><ToUserName>${cdata('gh')}</ToUserName><FromUserName>${cdata(openid)}</FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>${cdata(content)}</Content><MsgId>${id}</MsgId></xml>`;
async function post(url: string, query: Record<string, string>, body: string) {
  const res = await fetch(`${url}/wechat/callback?${new URLSearchParams(query)}`, { method: 'POST', body });
  return { status: res.status, text: await res.text() };
}
async function unboundPlanner() {
  const s = (await ops(plain.url).post('/suppliers', { name: `replay-${phone()}` })).body;
  return (
    await ops(plain.url).post('/planners', {
      supplierId: s.id,
      name: '重放测试',
      phone: phone(),
      tier: 'S',
      destinations: ['丽江'],
      maxActive: 2,
    })
  ).body as { id: number; bindCode: string };
}

describe('replayed callbacks', () => {
  it('a captured plaintext signature does not carry another body (a bind as someone else)', async () => {
    const p = await unboundPlanner();
    const q = signed();
    expect((await post(plain.url, q, text('o-victim', '帮助'))).status).toBe(200);
    // Same signed query, the attacker's body: refused, and the planner stays unbound.
    const replay = await post(plain.url, q, text('o-attacker', `绑定 ${p.bindCode}`));
    expect(replay.status).toBe(401);
    expect(replay.text).toMatch(/already used/);
    expect((await plain.ctx.db.planner.findUnique({ where: { id: p.id } }))!.openid).toBeNull();
    // WeChat's own retry (same query, same body) is still answered.
    const body = text('o-victim', '帮助');
    const q2 = signed();
    expect((await post(plain.url, q2, body)).status).toBe(200);
    expect((await post(plain.url, q2, body)).status).toBe(200);
  });

  it('a signature more than 5 minutes old (or ahead) is refused', async () => {
    const old = signed(String(Math.floor(Date.now() / 1000) - 301));
    expect((await post(plain.url, old, text('o-late', '帮助'))).status).toBe(401);
    // 302: whole seconds, so with the fraction of this second and the time to reach the server the
    // distance stays over 300 s (301 was less once this second's fraction and the trip passed a second).
    const ahead = signed(String(Math.floor(Date.now() / 1000) + 302));
    expect((await post(plain.url, ahead, text('o-late', '帮助'))).status).toBe(401);
    expect((await post(plain.url, signed(String(Math.floor(Date.now() / 1000) - 240)), text('o-late', '帮助'))).status).toBe(200);
  });

  it("the verification URL's signature cannot be reused for a message", async () => {
    const q = signed();
    const verify = await fetch(`${plain.url}/wechat/callback?${new URLSearchParams({ ...q, echostr: 'e-1' })}`);
    expect([verify.status, await verify.text()]).toEqual([200, 'e-1']);
    expect((await post(plain.url, q, text('o-x', '帮助'))).status).toBe(401);
  });

  it('an identical encrypted message replayed 62 s later is processed once (answered as the first time)', async () => {
    const p = await unboundPlanner();
    const crypto = new WechatCrypto(AES_KEY, 'wxsandbox0000000');
    const encrypt = crypto.encrypt(text('o-safe-replay', `绑定 ${p.bindCode}`));
    const q = { ...signed(), encrypt_type: 'aes' };
    const query = { ...q, msg_signature: sign(TOKEN, q.timestamp, q.nonce, encrypt) };
    const body = `<xml><ToUserName>${cdata('gh')}</ToUserName><Encrypt>${cdata(encrypt)}</Encrypt></xml>`;
    const reply = async () => {
      const res = await post(safe.url, query, body);
      expect(res.status).toBe(200);
      return parseXml(crypto.decrypt(parseXml(res.text).Encrypt)).Content;
    };
    expect(await reply()).toContain('绑定成功');
    shift = 62_000; // the old 60 s memory would have forgotten it: processing again would say "已绑定"
    try {
      expect(await reply()).toContain('绑定成功');
    } finally {
      shift = 0;
    }
    const msg = parseXml(crypto.decrypt(encrypt)).MsgId;
    expect(await safe.ctx.redis.ttl(wechatKeys.message(msg))).toBeGreaterThan(300 + 62); // beyond the whole signature window
  });
});

describe('hostile XML and bodies', () => {
  it('deeply nested XML, a __proto__ tag and a constructor tag are 400s, never 500s', async () => {
    const deep = `<xml>${'<a>'.repeat(5000)}x${'</a>'.repeat(5000)}</xml>`;
    for (const body of [
      deep,
      '<xml><__proto__><x>1</x></__proto__><MsgType>text</MsgType></xml>',
      '<xml><constructor>1</constructor></xml>',
    ]) {
      expect((await post(plain.url, signed(), body)).status).toBe(400);
    }
  });

  it('after a 413 the kept-alive connection is closed cleanly: the next request on a reusing client works', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const send = (path: string, body: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; connection?: string; text: string }>((ok, fail) => {
        const req = request(`${plain.url}${path}`, { method: 'POST', agent, headers }, (res) => {
          let text = '';
          res
            .setEncoding('utf8')
            .on('data', (c) => (text += c))
            .on('end', () => ok({ status: res.statusCode!, connection: res.headers.connection, text }));
        });
        req.on('error', fail);
        req.end(body);
      });
    try {
      const big = await send(`/wechat/callback?${new URLSearchParams(signed())}`, `<xml><Content>${'x'.repeat(70_000)}</Content></xml>`);
      expect([big.status, big.connection]).toEqual([413, 'close']);
      expect((await send(`/wechat/callback?${new URLSearchParams(signed())}`, text('o-after', '帮助'))).status).toBe(200);
      // A chunked JSON body over the limit (no content-length to refuse it by): the same.
      const chunked = await send('/api/ops/suppliers', JSON.stringify({ name: 'x'.repeat(70_000) }), {
        'transfer-encoding': 'chunked',
        'content-type': 'application/json',
        authorization: 'Bearer test-ops-token-0123456789',
      });
      expect([chunked.status, chunked.connection]).toEqual([413, 'close']);
      const after = await send('/api/ops/suppliers', JSON.stringify({ name: `after-413-${phone()}` }), {
        'content-type': 'application/json',
        authorization: 'Bearer test-ops-token-0123456789',
      });
      expect(after.status).toBe(201);
    } finally {
      agent.destroy();
    }
  });
});
