/**
 * The official-account callback over real HTTP: verification, signatures, safe mode, malformed and
 * oversized bodies, WeChat's retries processed once, and the reply commands end to end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../../src/boot.js';
import { sign, WechatCrypto } from '../../src/wechat/crypto.js';
import { cdata, parseXml } from '../../src/wechat/xml.js';
import { type Env, isolatedEnv, ops, phone, requirementBody, startApp } from '../support.js';

const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
let env: Env;
let plain: Running;
let safe: Running;
let msgId = 1_000_000;

beforeAll(async () => {
  env = await isolatedEnv();
  plain = await startApp(env);
  safe = await startApp(env, { ROLE: 'web', WECHAT_AES_KEY: AES_KEY }); // same data, safe mode
});
afterAll(async () => {
  await safe?.stop();
  await plain?.stop();
  await env?.release();
});

const TOKEN = 'sandbox-token';
const APPID = 'wxsandbox0000000';

function signedQuery(extra: Record<string, string> = {}) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = String(Math.floor(Math.random() * 1e9));
  return { timestamp, nonce, signature: sign(TOKEN, timestamp, nonce), ...extra };
}

function textXml(openid: string, content: string, id = ++msgId) {
  return `<xml><ToUserName>${cdata('gh_sandbox')}</ToUserName><FromUserName>${cdata(openid)}</FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>${cdata(content)}</Content><MsgId>${id}</MsgId></xml>`;
}

async function post(url: string, body: string, query: Record<string, string> = signedQuery()) {
  const res = await fetch(`${url}/wechat/callback?${new URLSearchParams(query)}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body,
  });
  return { status: res.status, text: await res.text() };
}

/** Sends text as WeChat would (plaintext mode) and returns the passive reply's Content. */
async function say(openid: string, content: string, id?: number): Promise<string> {
  const res = await post(plain.url, textXml(openid, content, id));
  expect(res.status).toBe(200);
  return res.text === 'success' ? 'success' : parseXml(res.text).Content;
}

async function plannerWithBindCode(tier = 'S', supplierId?: number) {
  const sid = supplierId ?? (await ops(plain.url).post('/suppliers', { name: `wx-${Date.now()}-${Math.random()}` })).body.id;
  const p = (
    await ops(plain.url).post('/planners', {
      supplierId: sid,
      name: `微信${tier}`,
      phone: phone(),
      tier,
      destinations: ['丽江'],
      maxActive: 3,
    })
  ).body;
  return p as { id: number; supplierId: number; bindCode: string };
}

describe('URL verification and signatures', () => {
  it('echoes echostr when the signature is valid, else 401', async () => {
    const ok = await fetch(`${plain.url}/wechat/callback?${new URLSearchParams(signedQuery({ echostr: 'hello-42' }))}`);
    expect([ok.status, await ok.text()]).toEqual([200, 'hello-42']);
    const bad = await fetch(
      `${plain.url}/wechat/callback?${new URLSearchParams({ ...signedQuery({ echostr: 'x' }), signature: 'f'.repeat(40) })}`,
    );
    expect(bad.status).toBe(401);
  });

  it('refuses a bad signature, malformed or DOCTYPE XML, and oversized bodies', async () => {
    expect((await post(plain.url, textXml('o-x', '帮助'), { ...signedQuery(), signature: '0'.repeat(40) })).status).toBe(401);
    expect((await post(plain.url, '<xml><Content>unclosed</xml>')).status).toBe(400);
    const bomb = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><xml><Content>&lol;</Content></xml>';
    expect((await post(plain.url, bomb)).status).toBe(400);
    expect((await post(plain.url, '<xml><Content>no sender</Content></xml>')).status).toBe(400);
    expect((await post(plain.url, `<xml><Content>${'x'.repeat(70_000)}</Content></xml>`)).status).toBe(413);
  });
});

describe('reply commands', () => {
  it('help, unknown text, and an unbound planner are answered in words', async () => {
    expect(await say('o-stranger', '帮助')).toContain('抢 <编号>');
    expect(await say('o-stranger', '随便说点')).toContain('没有看懂');
    expect(await say('o-stranger', '抢')).toBe('请在「抢」后面加上需求编号，例如：抢 ABC234。编号在新需求通知里，回复「池」也能看到。');
    expect(await say('o-stranger', '抢 ABC234')).toContain('绑定');
  });

  it('binds with the one-time code, grabs by code, lists pool and orders; rejections in words', async () => {
    const a = await plannerWithBindCode('S');
    const sameSupplier = await plannerWithBindCode('S', a.supplierId);
    const bad = await say('o-a', '绑定 000000');
    expect(bad).toContain('绑定失败');
    expect(await say('o-a', `绑定 ${a.bindCode}`)).toContain('绑定成功');
    expect(await say('o-a', `绑定 ${a.bindCode}`)).toContain('已绑定');
    expect(await say('o-b', `绑定 ${a.bindCode}`)).toContain('绑定失败'); // spent
    expect(await say('o-b', `bind ${sameSupplier.bindCode}`)).toContain('绑定成功');

    const r = (
      await ops(plain.url).post(
        '/requirements',
        requirementBody({ destinations: ['丽江'], plannersWanted: 2, traveler: { name: '韩梅梅', phone: '13712345678' } }),
      )
    ).body;
    await new Promise((ok) => setTimeout(ok, 300)); // releases (all tiers at 0 s)
    expect(await say('o-a', '池')).toContain(r.code);
    const won = await say('o-a', `抢 ${r.code.toLowerCase()}`);
    expect(won).toContain('抢单成功');
    expect(won).toContain('韩梅梅 13712345678');
    expect(await say('o-a', `抢${r.code}`)).toContain('抢单成功（你已抢到');
    const lost = await say('o-b', `grab ${r.code}`);
    expect(lost).toContain('抢单失败');
    expect(lost).toContain('供应商已有定制师抢到此单');
    expect(await say('o-a', '抢 ZZZZZZ')).toContain('抢单失败：没有编号为 ZZZZZZ 的需求');
    expect(await say('o-a', '单')).toMatch(new RegExp(`${r.code} 丽江 待提交方案`));
    const view = (await ops(plain.url).get(`/requirements/${r.id}`)).body;
    expect(view.workOrders).toMatchObject([{ plannerId: a.id, channel: 'wechat' }]);
  });

  it("WeChat's retries of one message are processed once and answered the same", async () => {
    const p = await plannerWithBindCode('S');
    await say('o-retry', `绑定 ${p.bindCode}`);
    const r = (await ops(plain.url).post('/requirements', requirementBody({ destinations: ['丽江'], plannersWanted: 1 }))).body;
    await new Promise((ok) => setTimeout(ok, 300));
    const id = ++msgId;
    const replies = await Promise.all([1, 2, 3].map(() => say('o-retry', `抢 ${r.code}`, id)));
    expect(new Set(replies).size).toBe(1);
    expect(replies[0]).toContain('抢单成功！');
    await plain.ctx.audit.flush();
    expect(await plain.ctx.db.grabEvent.count({ where: { plannerId: p.id, requirementId: r.id } })).toBe(1);
  });

  it('a subscribe event gets the welcome; other events get "success"', async () => {
    const ev = (e: string) =>
      `<xml><ToUserName>${cdata('gh')}</ToUserName><FromUserName>${cdata('o-new')}</FromUserName><CreateTime>${++msgId}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event>${cdata(e)}</Event></xml>`;
    expect(parseXml((await post(plain.url, ev('subscribe'))).text).Content).toContain('欢迎关注');
    expect((await post(plain.url, ev('unsubscribe'))).text).toBe('success');
  });
});

describe('safe mode (WECHAT_AES_KEY)', () => {
  const crypto = new WechatCrypto(AES_KEY, APPID);

  function encrypted(inner: string) {
    const encrypt = crypto.encrypt(inner);
    const q = signedQuery({ encrypt_type: 'aes' });
    return {
      body: `<xml><ToUserName>${cdata('gh')}</ToUserName><Encrypt>${cdata(encrypt)}</Encrypt></xml>`,
      query: { ...q, msg_signature: sign(TOKEN, q.timestamp, q.nonce, encrypt) },
    };
  }

  it('decrypts, answers with an encrypted, signed reply', async () => {
    const { body, query } = encrypted(textXml('o-safe', '帮助'));
    const res = await post(safe.url, body, query);
    expect(res.status).toBe(200);
    const outer = parseXml(res.text);
    expect(outer.MsgSignature).toBe(sign(TOKEN, outer.TimeStamp, outer.Nonce, outer.Encrypt));
    const reply = parseXml(crypto.decrypt(outer.Encrypt));
    expect(reply).toMatchObject({ ToUserName: 'o-safe', MsgType: 'text' });
    expect(reply.Content).toContain('抢 <编号>');
  });

  it('refuses a bad msg_signature, and ciphertext from another key', async () => {
    const { body, query } = encrypted(textXml('o-safe', '帮助'));
    expect((await post(safe.url, body, { ...query, msg_signature: '1'.repeat(40) })).status).toBe(401);
    const other = new WechatCrypto('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg', APPID).encrypt(textXml('o-safe', '帮助'));
    const q = signedQuery();
    const forged = `<xml><Encrypt>${cdata(other)}</Encrypt></xml>`;
    expect((await post(safe.url, forged, { ...q, msg_signature: sign(TOKEN, q.timestamp, q.nonce, other) })).status).toBe(400);
  });
});
