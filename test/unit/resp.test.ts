// The script line's reader: whole RESP2 values however the bytes are cut, read as ioredis reads them.
import { describe, expect, it } from 'vitest';
import { encode, ReplyReader } from '../../src/infra/script-line.js';

const WIRE = Buffer.from(
  [
    '*6\r\n:1\r\n$-1\r\n$23\r\n{"name":"张三","n":2}\r\n*0\r\n*2\r\n:-100\r\n$0\r\n\r\n+OK\r\n', // nested, nil, multi-byte text, empty
    '-NOSCRIPT No matching script. Please use EVAL.\r\n',
    ':42\r\n',
    '$5\r\na\r\nbc\r\n', // CR LF inside a bulk string is data
    '+OK\r\n',
  ].join(''),
);
const EXPECTED = [
  [1, null, '{"name":"张三","n":2}', [], [-100, ''], 'OK'],
  'NOSCRIPT No matching script. Please use EVAL.',
  42,
  'a\r\nbc',
  'OK',
];

function readAll(chunks: Buffer[]): unknown[] {
  const r = new ReplyReader();
  const got: unknown[] = [];
  for (const c of chunks) {
    r.feed(c);
    for (let v = r.next(); typeof v !== 'symbol'; v = r.next()) got.push(v instanceof Error ? v.message : v);
  }
  return got;
}

describe('ReplyReader', () => {
  it('reads every value of a stream sent in one piece', () => {
    expect(readAll([WIRE])).toEqual(EXPECTED);
  });

  it('reads the same values whatever byte the stream is cut at (inside a number, CR LF, a multi-byte character)', () => {
    for (let cut = 1; cut < WIRE.length; cut++) expect(readAll([WIRE.subarray(0, cut), WIRE.subarray(cut)])).toEqual(EXPECTED);
    expect(readAll([...WIRE].map((b) => Buffer.from([b])))).toEqual(EXPECTED);
  });

  it('gives an error reply as an Error named ReplyError, as ioredis does', () => {
    const r = new ReplyReader();
    r.feed(Buffer.from('-ERR wrong number of arguments\r\n'));
    const v = r.next() as Error;
    expect(v).toBeInstanceOf(Error);
    expect(v.name).toBe('ReplyError');
  });

  it('refuses a byte that starts no RESP2 value', () => {
    const r = new ReplyReader();
    r.feed(Buffer.from('%1\r\n'));
    expect(() => r.next()).toThrow(/unexpected RESP type/);
  });
});

describe('encode', () => {
  it('counts bulk lengths in bytes', () => {
    expect(encode(['SET', 'k', '张'])).toBe('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\n张\r\n');
  });
});
