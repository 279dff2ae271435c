/**
 * Both ways WeChat Pay signs are believed: public-key mode (WECHATPAY_PUBLIC_KEY +
 * WECHATPAY_PUBLIC_KEY_ID) and a platform certificate (WECHATPAY_PLATFORM_CERT, found by its serial);
 * a signature by anything else, or out of the time window, is not. A merchant's configuration
 * missing a piece is refused at start, naming it.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Ctx } from '../../src/context.js';
import { payKeys, sign, unverified } from '../../src/pay/index.js';

const dir = mkdtempSync(join(tmpdir(), 'wxpay-'));
const pem = (k: ReturnType<typeof generateKeyPairSync>['privateKey']) => k.export({ type: 'pkcs8', format: 'pem' }) as string;

describe('WeChat Pay keys', () => {
  it('believes public-key mode and a platform certificate, and nothing else', async () => {
    const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const wechatpay = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'merchant.pem'), pem(merchant.privateKey));
    writeFileSync(join(dir, 'wechatpay-pub.pem'), wechatpay.publicKey.export({ type: 'spki', format: 'pem' }) as string);
    // A platform certificate, as WeChat Pay issued them before public-key mode (openssl: Node cannot make one).
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'platform.key'),
        '-out',
        join(dir, 'platform.crt'),
        '-days',
        '1',
        '-subj',
        '/CN=Tenpay.com Root CA',
        '-set_serial',
        '0x3FA1B2C3D4E5F6',
      ],
      { stdio: 'ignore' },
    );
    const config = loadConfig({
      NODE_ENV: 'test',
      WECHATPAY_MCHID: '1230000109',
      WECHATPAY_SERIAL: '444F4864EA9B34415',
      WECHATPAY_PRIVATE_KEY: join(dir, 'merchant.pem'),
      WECHATPAY_APIV3_KEY: randomBytes(16).toString('hex'),
      WECHATPAY_PUBLIC_KEY: join(dir, 'wechatpay-pub.pem'),
      WECHATPAY_PUBLIC_KEY_ID: 'PUB_KEY_ID_0112300001092025',
      WECHATPAY_PLATFORM_CERT: join(dir, 'platform.crt'),
    });
    expect(config.pay).toBe('merchant');
    const keys = await payKeys({ config } as Ctx);
    expect([...keys.verifiers.keys()].sort()).toEqual(['3FA1B2C3D4E5F6', 'PUB_KEY_ID_0112300001092025']);
    const now = Date.now();
    const ts = String(Math.floor(now / 1000));
    const body = '{"id":"1"}';
    const headers = (serial: string, signature: string, timestamp = ts) => ({ serial, signature, timestamp, nonce: 'n1' });
    const byWechatpay = sign(wechatpay.privateKey, `${ts}\nn1\n${body}\n`);
    const byPlatform = sign(readFileSync(join(dir, 'platform.key'), 'utf8'), `${ts}\nn1\n${body}\n`);
    expect(unverified(headers('PUB_KEY_ID_0112300001092025', byWechatpay), body, keys.verifiers, now)).toBeNull();
    expect(unverified(headers('3FA1B2C3D4E5F6', byPlatform), body, keys.verifiers, now)).toBeNull();
    expect(unverified(headers('3FA1B2C3D4E5F6', byWechatpay), body, keys.verifiers, now)).toBe('signature does not verify');
    expect(unverified(headers('PUB_KEY_ID_0112300001092025', byWechatpay), `${body} `, keys.verifiers, now)).toBe(
      'signature does not verify',
    );
    expect(unverified(headers('PUB_KEY_ID_OTHER', byWechatpay), body, keys.verifiers, now)).toMatch(/^unknown key/);
    expect(unverified(headers('PUB_KEY_ID_0112300001092025', byWechatpay), body, keys.verifiers, now + 301_000)).toBe(
      'timestamp more than 5 minutes off',
    );
  });

  it('a merchant missing a piece is refused at start, naming it', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', WECHATPAY_MCHID: '1230000109' })).toThrow(
      /WECHATPAY_SERIAL: required with WECHATPAY_MCHID[\s\S]*WECHATPAY_PUBLIC_KEY \+ WECHATPAY_PUBLIC_KEY_ID, or WECHATPAY_PLATFORM_CERT/,
    );
  });
});
