/**
 * The keys of WeChat Pay, from configuration (a merchant) or, outside production without one, the
 * sandbox's: a merchant key pair, WeChat Pay's key pair (public-key mode, id PUB_KEY_ID_SANDBOX…)
 * and an APIv3 key, made once and kept in Redis so every process (and the sandbox that plays WeChat
 * Pay) shares them.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Ctx } from '../context.js';
import { sandboxKeys } from '../infra/keys.js';

export interface PayKeys {
  mchid: string;
  serial: string;
  merchantKey: KeyObject;
  merchantKeyPem: string;
  apiV3Key: string;
  /** Wechatpay-Serial → the key that verifies WeChat Pay's signatures. */
  verifiers: Map<string, KeyObject>;
  /** The sandbox's WeChat Pay side: its private key (to sign as WeChat Pay) and our public key (to check our requests). */
  sandbox?: { wechatpayKey: KeyObject; wechatpayKeyId: string; merchantPublic: KeyObject };
}

interface SandboxMaterial {
  merchantPrivate: string;
  merchantPublic: string;
  wechatpayPrivate: string;
  wechatpayPublic: string;
  apiV3Key: string;
}

export const SANDBOX_MCHID = '1900000109';
export const SANDBOX_SERIAL = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';
export const SANDBOX_PUBKEY_ID = 'PUB_KEY_ID_0119000000000000SANDBOX';

const pair = () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return [privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, publicKey.export({ type: 'spki', format: 'pem' }) as string];
};

async function sandboxMaterial(ctx: Ctx): Promise<SandboxMaterial> {
  const have = await ctx.redis.get(sandboxKeys.payKeys);
  if (have) return JSON.parse(have) as SandboxMaterial;
  const [merchantPrivate, merchantPublic] = pair();
  const [wechatpayPrivate, wechatpayPublic] = pair();
  const apiV3Key = randomBytes(24).toString('base64url').slice(0, 32);
  const made: SandboxMaterial = { merchantPrivate, merchantPublic, wechatpayPrivate, wechatpayPublic, apiV3Key };
  await ctx.redis.set(sandboxKeys.payKeys, JSON.stringify(made), 'NX'); // the first process to get here wins
  return JSON.parse((await ctx.redis.get(sandboxKeys.payKeys))!) as SandboxMaterial;
}

const cache = new WeakMap<Ctx, Promise<PayKeys>>();

export function payKeys(ctx: Ctx): Promise<PayKeys> {
  let p = cache.get(ctx);
  if (!p) {
    p = load(ctx);
    cache.set(ctx, p);
    p.catch(() => cache.delete(ctx));
  }
  return p;
}

async function load(ctx: Ctx): Promise<PayKeys> {
  const c = ctx.config;
  if (c.pay === 'merchant') {
    const pem = readFileSync(c.WECHATPAY_PRIVATE_KEY!, 'utf8');
    const verifiers = new Map<string, KeyObject>();
    if (c.WECHATPAY_PUBLIC_KEY && c.WECHATPAY_PUBLIC_KEY_ID)
      verifiers.set(c.WECHATPAY_PUBLIC_KEY_ID, createPublicKey(readFileSync(c.WECHATPAY_PUBLIC_KEY, 'utf8')));
    if (c.WECHATPAY_PLATFORM_CERT) {
      const cert = new X509Certificate(readFileSync(c.WECHATPAY_PLATFORM_CERT));
      verifiers.set(cert.serialNumber.toUpperCase(), cert.publicKey);
    }
    return {
      mchid: c.WECHATPAY_MCHID!,
      serial: c.WECHATPAY_SERIAL!,
      merchantKey: createPrivateKey(pem),
      merchantKeyPem: pem,
      apiV3Key: c.WECHATPAY_APIV3_KEY!,
      verifiers,
    };
  }
  const m = await sandboxMaterial(ctx);
  return {
    mchid: SANDBOX_MCHID,
    serial: SANDBOX_SERIAL,
    merchantKey: createPrivateKey(m.merchantPrivate),
    merchantKeyPem: m.merchantPrivate,
    apiV3Key: m.apiV3Key,
    verifiers: new Map([[SANDBOX_PUBKEY_ID, createPublicKey(m.wechatpayPublic)]]),
    sandbox: {
      wechatpayKey: createPrivateKey(m.wechatpayPrivate),
      wechatpayKeyId: SANDBOX_PUBKEY_ID,
      merchantPublic: createPublicKey(m.merchantPublic),
    },
  };
}
