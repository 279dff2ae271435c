/**
 * WeChat's XML, both ways. Parsing refuses DOCTYPE outright and never expands entities (no XXE,
 * no entity bombs); callers cap the body size before it gets here.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

const parser = new XMLParser({
  processEntities: false,
  htmlEntities: false,
  ignoreAttributes: true,
  parseTagValue: false,
  ignoreDeclaration: true,
});

export type WechatXml = Record<string, string>;

export class MalformedXml extends Error {
  override name = 'MalformedXml';
}

const FORBIDDEN = /<!DOCTYPE|<!ENTITY/i;

/** The fields of a `<xml>…</xml>` document as strings. */
export function parseXml(text: string): WechatXml {
  if (FORBIDDEN.test(text)) throw new MalformedXml('DOCTYPE and entities are not accepted');
  return flatXml(text) ?? fullXml(text);
}

const NOT_ASCII = /[^\x20-\x7e\t\n\r]/; // anything else (control characters too) is decoded as UTF-8, which keeps them as they are

/**
 * A request body's fields, read as `parseXml` reads its UTF-8 text, but from the bytes: a flat
 * message's structure is all ASCII, so it is found in the bytes read one to a character, and only
 * a value with other bytes (a text's Chinese) is decoded as UTF-8. Its openid, ids and times come
 * out as one-byte strings. Slices of the decoded text would be two-byte ones (the text holds
 * Chinese): every Redis command and key built from them would then be transcoded on every write.
 */
export function parseXmlBody(body: Buffer): WechatXml {
  const bytes = body.toString('latin1');
  if (FORBIDDEN.test(bytes)) throw new MalformedXml('DOCTYPE and entities are not accepted');
  const flat = flatXml(bytes);
  if (flat)
    for (const name of Object.keys(flat)) {
      const v = flat[name];
      if (!NOT_ASCII.test(v)) continue;
      const text = Buffer.from(v, 'latin1').toString('utf8');
      // Space only UTF-8 has at either end (U+3000…) is the general parser's to trim, as in parseXml.
      if (text.trim() !== text) return parseXml(body.toString('utf8'));
      flat[name] = text;
    }
  return flat ?? parseXml(body.toString('utf8'));
}

/** The general parser, validating first: what any document that is not plainly flat goes through. */
export function fullXml(text: string): WechatXml {
  let doc: { xml?: Record<string, unknown> };
  try {
    const valid = XMLValidator.validate(text);
    if (valid !== true) throw new MalformedXml(valid.err.msg);
    // The parser refuses what it must not build (a __proto__ or constructor tag, absurd nesting):
    // for us that is malformed input, a 400, never an unhandled error.
    doc = parser.parse(text) as typeof doc;
  } catch (err) {
    throw err instanceof MalformedXml ? err : new MalformedXml((err as Error).message.replace(/^\[SECURITY\]\s*/, ''));
  }
  if (!doc.xml || typeof doc.xml !== 'object') throw new MalformedXml('root element must be <xml>');
  return Object.fromEntries(Object.entries(doc.xml).map(([k, v]) => [k, typeof v === 'object' ? '' : String(v)]));
}

const FIELD_NAME = /^[A-Z][A-Za-z0-9]{0,63}$/;

/** Past XML's whitespace (space, tab, CR, LF: nothing else separates elements). */
function skipSpace(text: string, i: number): number {
  for (let c = text.charCodeAt(i); c === 32 || c === 9 || c === 10 || c === 13; c = text.charCodeAt(++i));
  return i;
}

/**
 * WeChat's own messages are flat: `<xml>`, then one element per field holding one CDATA section or
 * plain text, whitespace between. Those are read here in one linear pass (a storm of replies spent
 * a tenth of its time in the general parser, bench-results/profiles/reply.svg). Null for anything
 * else (a declaration, nesting, attributes, entities, mixed content, a field twice, an empty or
 * space-padded value, which the general parser trims): `fullXml` reads those, so both paths read a
 * document alike (test/unit/wechat-xml.test.ts holds them side by side).
 */
export function flatXml(text: string): WechatXml | null {
  let i = skipSpace(text, 0);
  if (!text.startsWith('<xml>', i)) return null;
  i += 5;
  const out: WechatXml = {};
  for (;;) {
    i = skipSpace(text, i);
    if (text.startsWith('</xml>', i)) return skipSpace(text, i + 6) === text.length ? out : null;
    if (text[i] !== '<') return null;
    const open = text.indexOf('>', i);
    if (open < 0) return null;
    const name = text.slice(i + 1, open);
    if (!FIELD_NAME.test(name) || Object.hasOwn(out, name)) return null;
    i = open + 1;
    let value: string;
    if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i + 9);
      if (end < 0) return null;
      value = text.slice(i + 9, end);
      i = end + 3;
    } else {
      const end = text.indexOf('<', i);
      if (end < 0) return null;
      value = text.slice(i, end);
      if (/[&>]/.test(value)) return null;
      i = end;
    }
    if (!value || value.trim() !== value) return null;
    const close = `</${name}>`;
    if (!text.startsWith(close, i)) return null;
    i += close.length;
    out[name] = value;
  }
}

/** CDATA that survives any content: a "]]>" inside is split across two sections. */
export function cdata(s: string): string {
  return `<![CDATA[${s.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

export function textReply(to: string, from: string, content: string, nowSec: number): string {
  return `<xml><ToUserName>${cdata(to)}</ToUserName><FromUserName>${cdata(from)}</FromUserName><CreateTime>${nowSec}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>${cdata(content)}</Content></xml>`;
}

export function encryptedReply(encrypt: string, signature: string, timestamp: string, nonce: string): string {
  return `<xml><Encrypt>${cdata(encrypt)}</Encrypt><MsgSignature>${cdata(signature)}</MsgSignature><TimeStamp>${timestamp}</TimeStamp><Nonce>${cdata(nonce)}</Nonce></xml>`;
}
