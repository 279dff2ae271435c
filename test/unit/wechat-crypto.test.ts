/** Safe mode against Tencent's published WXBizMsgCrypt sample vector, not only against ourselves. */
import { describe, expect, it } from 'vitest';
import { sameSignature, sign, WechatCrypto } from '../../src/wechat/crypto.js';

// From Tencent's WXBizMsgCrypt sample test (Java): fixed random string, so the ciphertext is exact.
const SAMPLE = {
  aesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  appid: 'wxb11529c136998cb6',
  random: 'aaaabbbbccccdddd',
  message: '我是中文abcd123',
  encrypted: 'jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==',
};

describe('WeChat message crypto', () => {
  const c = new WechatCrypto(SAMPLE.aesKey, SAMPLE.appid);

  it('encrypts the published sample to the published ciphertext', () => {
    expect(c.encrypt(SAMPLE.message, Buffer.from(SAMPLE.random))).toBe(SAMPLE.encrypted);
  });

  it('decrypts the published ciphertext, and refuses another appid or tampering', () => {
    expect(c.decrypt(SAMPLE.encrypted)).toBe(SAMPLE.message);
    expect(() => new WechatCrypto(SAMPLE.aesKey, 'wx-someone-else').decrypt(SAMPLE.encrypted)).toThrow(/appid/);
    const bytes = Buffer.from(SAMPLE.encrypted, 'base64');
    bytes[bytes.length - 20] ^= 0xff;
    expect(() => c.decrypt(bytes.toString('base64'))).toThrow();
  });

  it('round-trips long and multibyte messages', () => {
    const msg = '<xml>' + '定制游抢单'.repeat(500) + '</xml>';
    expect(c.decrypt(c.encrypt(msg))).toBe(msg);
  });

  it('verifies and decrypts the published callback sample (msg_signature over Encrypt)', () => {
    // Tencent's sample: token spamtest, timestamp 1409735669, nonce 1320562132, appid wx2c2769f8efd9abc2
    const encrypt =
      'hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=';
    expect(sign('spamtest', '1409735669', '1320562132', encrypt)).toBe('5d197aaffba7e9b25a30732f161a50dee96bd5fa');
    const xml = new WechatCrypto(SAMPLE.aesKey, 'wx2c2769f8efd9abc2').decrypt(encrypt);
    expect(xml).toContain('<Content><![CDATA[abcdteT]]></Content>');
    expect(xml).toContain('<MsgId>6054768590064713728</MsgId>');
  });
});

describe('sameSignature', () => {
  const want = sign('token', '1700000000', 'nonce');
  it('is true for the same signature only: one character off, shorter, longer or missing is false', () => {
    expect(sameSignature(want, want)).toBe(true);
    expect(sameSignature(`${want}`, want)).toBe(true);
    const last = want.at(-1) === '0' ? '1' : '0';
    expect(sameSignature(`${want.slice(0, -1)}${last}`, want)).toBe(false);
    expect(sameSignature(`${want[0] === 'a' ? 'b' : 'a'}${want.slice(1)}`, want)).toBe(false);
    expect(sameSignature(want.slice(0, -1), want)).toBe(false);
    expect(sameSignature(`${want}0`, want)).toBe(false);
    expect(sameSignature(undefined, want)).toBe(false);
    expect(sameSignature('', want)).toBe(false);
  });
});
