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

export class MalformedXml extends Error {}

/** The fields of a `<xml>…</xml>` document as strings. */
export function parseXml(text: string): WechatXml {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new MalformedXml('DOCTYPE and entities are not accepted');
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
