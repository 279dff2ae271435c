// WeChat's XML: the flat fast path reads every document it takes exactly as the general parser
// does, takes WeChat's own messages, and leaves everything else to the general parser.
import { describe, expect, it } from 'vitest';
import { flatXml, fullXml, MalformedXml, parseXml, parseXmlBody, textReply } from '../../src/wechat/xml.js';

const text = (content: string, sep = '') =>
  [
    '<xml>',
    '<ToUserName><![CDATA[gh_123456]]></ToUserName>',
    '<FromUserName><![CDATA[oAbC-123_xyz]]></FromUserName>',
    '<CreateTime>1700000000</CreateTime>',
    '<MsgType><![CDATA[text]]></MsgType>',
    `<Content><![CDATA[${content}]]></Content>`,
    '<MsgId>24379823749823749</MsgId>',
    '</xml>',
  ].join(sep);

// WeChat's own shapes: the fast path takes them.
const FLAT = [
  text('抢 ABC234'),
  text('抢 ABC234', '\n'),
  text('抢 ABC234', '\r\n  '),
  `  ${text('a < b & c > d </Content> "quoted" \'single\'')}\n`, // CDATA keeps markup characters as they are
  text('<![CDATA[ nested start'),
  textReply('oUser', 'gh_1', '抢单成功！\n联系人：张三 13800000000', 1700000000),
  '<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[POOL]]></EventKey></xml>',
  '<xml><Encrypt><![CDATA[abc+/=]]></Encrypt><ToUserName>gh</ToUserName></xml>',
  '<xml><A>plain text with spaces inside</A></xml>',
];

// Everything else goes to the general parser, which reads or refuses it.
const OTHER = [
  '<?xml version="1.0" encoding="utf-8"?>' + text('抢 ABC234'),
  text(' padded '),
  text(''),
  text('   '),
  '<xml><EventKey></EventKey><A>x</A></xml>',
  '<xml><A> x </A></xml>',
  '<xml><A>x</A><A>y</A></xml>',
  '<xml><A>a &amp; b</A></xml>',
  '<xml><A>a &lt;b&gt;</A></xml>',
  '<xml><A>a > b</A></xml>',
  '<xml><A><B>nested</B></A></xml>',
  '<xml><A x="1">attr</A></xml>',
  '<xml><A><![CDATA[a]]>b</A></xml>',
  '<xml><A><![CDATA[a]]><![CDATA[b]]></A></xml>',
  '<xml>loose<A>x</A></xml>',
  '<xml>\u00a0<A>x</A></xml>',
  '<xml><a>lower case</a></xml>',
  '<xml><constructor>x</constructor></xml>',
  '<xml><__proto__>x</__proto__></xml>',
  '<xml><A>x</A></xml><xml><B>y</B></xml>',
  '<xml><A>x</A></xml>trailing',
  '<xml><A>x</B></xml>',
  '<xml><A>x</A>',
  '<xml><A><![CDATA[never closed</A></xml>',
  '<root><A>x</A></root>',
  '',
  'not xml at all',
];

const outcome = (parse: (t: string) => unknown, doc: string) => {
  try {
    return { ok: parse(doc) };
  } catch (err) {
    return { refused: err instanceof MalformedXml };
  }
};

describe('WeChat XML', () => {
  it.each(FLAT.map((d) => [d.slice(0, 70), d]))('takes a flat message: %s', (_, doc) => {
    const fast = flatXml(doc);
    expect(fast).not.toBeNull();
    expect(fast).toEqual(fullXml(doc));
  });

  it.each(OTHER.map((d) => [JSON.stringify(d.slice(0, 70)), d]))('leaves the rest to the general parser: %s', (_, doc) => {
    expect(flatXml(doc)).toBeNull();
    expect(outcome(parseXml, doc)).toEqual(outcome(fullXml, doc));
  });

  it('a text message reads the same fields either way, whatever it says', () => {
    const contents = ['抢 abc234', '池', 'grab   XYZ9', '😀 emoji', 'line\nbreak', 'tab\tinside', ']] almost', 'a]b]]c'];
    for (const c of contents) expect(parseXml(text(c, '\n'))).toEqual(fullXml(text(c, '\n')));
  });

  it('refuses DOCTYPE and entities before either parser sees them, even inside CDATA', () => {
    expect(() => parseXml(text('<!DOCTYPE x>'))).toThrow(MalformedXml);
    expect(() => parseXml('<!DOCTYPE xml [<!ENTITY e "x">]><xml><A>&e;</A></xml>')).toThrow(MalformedXml);
  });

  it('reads a body from its bytes exactly as its UTF-8 text, whatever it holds', () => {
    const odd = [
      text('抢 ABC234\u00a0'), // ends in a space both readings see (the general parser trims it)
      text('抢 ABC234\u3000'), // ends in a space only UTF-8 has
      text('\u3000抢 ABC234'),
      text('à la carte'), // à's second byte is 0xA0, a space read one byte to a character
      text('😀 emoji'),
      '<xml><A>\u00a0x</A></xml>',
      '<xml><名>x</名></xml>',
    ];
    for (const doc of [...FLAT, ...OTHER, ...odd]) {
      const bytes = Buffer.from(doc, 'utf8');
      expect(
        outcome(() => parseXmlBody(bytes), doc),
        doc,
      ).toEqual(outcome(parseXml, doc));
    }
    // Bytes that are not UTF-8 read as the text node makes of them (U+FFFD), either way.
    const broken = Buffer.concat([
      Buffer.from('<xml><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[抢 '),
      Buffer.from([0xe6, 0x8a]), // the first two of 抢's three bytes
      Buffer.from(']]></Content></xml>'),
    ]);
    expect(parseXmlBody(broken)).toEqual(parseXml(broken.toString('utf8')));
    expect(parseXmlBody(broken).Content).toContain('\ufffd');
    expect(() => parseXmlBody(Buffer.from(text('<!DOCTYPE x>')))).toThrow(MalformedXml);
  });
});
