/**
 * WeChat Pay APIv3's cryptography, with node:crypto (wechatpay-node-v3 builds and signs requests,
 * but its verification has no time window, knows platform certificates only, and its decryption
 * no longer checks the AES-GCM tag; docs/payments.md).
 *
 *   signature  RSA-SHA256 over `timestamp\nnonce\nbody\n`, headers Wechatpay-Serial / -Signature /
 *              -Timestamp / -Nonce; refused: unknown serial, a timestamp more than 5 minutes off,
 *              a WECHATPAY/SIGNTEST/ probe, a signature that does not verify
 *   resource   AEAD_AES_256_GCM with the APIv3 key: base64(ciphertext ‖ 16-byte tag), nonce,
 *              associated_data; a wrong tag (tampered, or another key) throws
 */
import { createCipheriv, createDecipheriv, createSign, createVerify, type KeyObject, randomBytes } from 'node:crypto';

export const SKEW_SEC = 300;

export interface SignedHeaders {
  serial: string | null;
  signature: string | null;
  timestamp: string | null;
  nonce: string | null;
}

export const signedHeaders = (get: (name: string) => string | null | undefined): SignedHeaders => ({
  serial: get('wechatpay-serial') ?? null,
  signature: get('wechatpay-signature') ?? null,
  timestamp: get('wechatpay-timestamp') ?? null,
  nonce: get('wechatpay-nonce') ?? null,
});

/** Why a message from WeChat Pay is not believed, or null when it is. */
export function unverified(h: SignedHeaders, body: string, keys: Map<string, KeyObject>, nowMs: number): string | null {
  if (!h.serial || !h.signature || !h.timestamp || !h.nonce) return 'missing Wechatpay-* headers';
  if (h.signature.startsWith('WECHATPAY/SIGNTEST/')) return 'a signature probe (WECHATPAY/SIGNTEST/)';
  if (!/^\d{1,12}$/.test(h.timestamp) || Math.abs(nowMs / 1000 - Number(h.timestamp)) > SKEW_SEC)
    return 'timestamp more than 5 minutes off';
  const key = keys.get(h.serial);
  if (!key) return `unknown key or certificate ${h.serial.slice(0, 40)}`;
  const ok = createVerify('RSA-SHA256').update(`${h.timestamp}\n${h.nonce}\n${body}\n`).verify(key, h.signature, 'base64');
  return ok ? null : 'signature does not verify';
}

export function sign(privateKey: KeyObject | string, message: string): string {
  return createSign('RSA-SHA256').update(message).sign(privateKey, 'base64');
}

export interface Resource {
  algorithm?: string;
  ciphertext: string;
  nonce: string;
  associated_data?: string;
}

/** The notification's resource, decrypted; throws when the tag does not match (tampered, or not our key). */
export function decrypt(r: Resource, apiV3Key: string): string {
  const data = Buffer.from(r.ciphertext, 'base64');
  if (data.length < 17) throw new Error('ciphertext too short');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(apiV3Key), Buffer.from(r.nonce));
  decipher.setAuthTag(data.subarray(data.length - 16));
  decipher.setAAD(Buffer.from(r.associated_data ?? ''));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
}

/** What WeChat Pay (here: the sandbox) sends. */
export function encrypt(plain: string, apiV3Key: string, associatedData = 'transaction'): Resource {
  const nonce = randomBytes(6).toString('hex'); // 12 characters, as WeChat Pay's
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key), Buffer.from(nonce));
  cipher.setAAD(Buffer.from(associatedData));
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { algorithm: 'AEAD_AES_256_GCM', ciphertext: data.toString('base64'), nonce, associated_data: associatedData };
}
