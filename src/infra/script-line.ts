/**
 * A direct line to one Redis server for the engine's Lua scripts. The grab and reply paths run one
 * to four scripts per request, and ioredis's general command machinery (a Command object per call,
 * the auto-pipeline's Pipeline, a callback per answer in a tick of its own) cost more CPU than the
 * rest of the endpoint's own code: about 11 µs a call against 3 µs written here
 * (measured with the bench's grab floor, scripts/bench/servers/grab-floor.ts). The line writes EVALSHA in RESP, every call made in one turn of
 * the event loop in one write, and reads the answers in order.
 *
 * It only ever speeds things up; ioredis stays the way that always works:
 * - while the line is not up (starting, Redis restarting), calls go to ioredis;
 * - calls in flight when it drops are given to ioredis, as ioredis itself resends unanswered
 *   commands after a reconnect, so a caller sees what ioredis alone would have shown;
 * - NOSCRIPT (a restarted or flushed Redis) sends the call again as EVAL with the script's body.
 * One server only (redis:// or rediss://); a Redis Cluster keeps ioredis's cluster client.
 */

import { createHash } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '../log.js';

export type LineArg = string | number;

export interface LineScript {
  lua: string;
  sha: string;
}

export interface ScriptLine {
  /** Runs `script` (keys get the line's prefix); `fallback` is the same call through ioredis. */
  run(script: LineScript, keys: string[], args: LineArg[], fallback: () => Promise<unknown>): Promise<unknown>;
  /** True while calls go over the line itself. */
  readonly up: boolean;
  close(): void;
}

export const lineScript = (lua: string): LineScript => ({ lua, sha: createHash('sha1').update(lua).digest('hex') });

/** An answer that is not all there yet. */
const PARTIAL = Symbol('partial');

/**
 * RESP2 answers read off a byte stream, whole values only: a value cut across two reads is read
 * again from its start once the rest has come. Error replies come back as Error values
 * (`ReplyError`, as ioredis names them); bulk strings as UTF-8 text, integers as numbers, nil as null.
 */
export class ReplyReader {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;

  feed(chunk: Buffer): void {
    this.buf = this.pos < this.buf.length ? Buffer.concat([this.buf.subarray(this.pos), chunk]) : chunk;
    this.pos = 0;
  }

  /** The next whole value, or PARTIAL (nothing is consumed then). */
  next(): unknown {
    const start = this.pos;
    const v = this.value();
    if (v === PARTIAL) this.pos = start;
    return v;
  }

  private line(): string | typeof PARTIAL {
    const end = this.buf.indexOf(13, this.pos + 1);
    if (end < 0 || end + 1 >= this.buf.length) return PARTIAL;
    const text = this.buf.toString('latin1', this.pos + 1, end);
    this.pos = end + 2;
    return text;
  }

  private value(): unknown {
    if (this.pos >= this.buf.length) return PARTIAL;
    const type = this.buf[this.pos];
    const head = this.line();
    if (head === PARTIAL) return PARTIAL;
    switch (type) {
      case 0x2b: // +
        return head;
      case 0x2d: // -
        return Object.assign(new Error(Buffer.from(head, 'latin1').toString('utf8')), { name: 'ReplyError' });
      case 0x3a: // :
        return Number(head);
      case 0x24: {
        // $
        const n = Number(head);
        if (n < 0) return null;
        if (this.pos + n + 2 > this.buf.length) return PARTIAL;
        const text = this.buf.toString('utf8', this.pos, this.pos + n);
        this.pos += n + 2;
        return text;
      }
      case 0x2a: {
        // *
        const n = Number(head);
        if (n < 0) return null;
        const out: unknown[] = new Array(n);
        for (let i = 0; i < n; i++) {
          const v = this.value();
          if (v === PARTIAL) return PARTIAL;
          out[i] = v;
        }
        return out;
      }
      default:
        throw new Error(`unexpected RESP type byte ${type} from Redis`);
    }
  }
}

const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;

/** One command in RESP. */
export function encode(words: string[]): string {
  let out = `*${words.length}\r\n`;
  for (const w of words) out += bulk(w);
  return out;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  /** The call through ioredis, when the line drops before answering (absent for the line's own handshake). */
  fallback?: () => Promise<unknown>;
  /** The script and the call's words, to send it again as EVAL on a NOSCRIPT answer (nothing built unless one comes). */
  script?: LineScript;
  words?: string[];
}

const MAX_BACKOFF_MS = 2_000;
/** The line's connection name in Redis (CLIENT LIST). */
export const LINE_NAME = 'dz-script-line';

/** A line to the server at `url` (redis:// or rediss://, with its user, password and db), or null for any other address. */
export function scriptLine(url: string, keyPrefix: string, log: Logger): ScriptLine | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') return null;
  const secure = u.protocol === 'rediss:';
  const host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(u.port || 6379);
  const db = Number(u.pathname.slice(1) || 0);
  const user = decodeURIComponent(u.username);
  const password = decodeURIComponent(u.password);
  if (!Number.isInteger(db)) return null;

  let socket: net.Socket | null = null;
  let up = false;
  let closed = false;
  let backoff = 100;
  let down = false; // said once per outage
  let waiting: Pending[] = [];
  let head = 0; // waiting[head] is the next answer's
  let out: string[] = [];
  let flushing: NodeJS.Immediate | null = null;

  const flush = () => {
    flushing = null;
    if (!socket || !out.length) return;
    socket.write(out.length === 1 ? out[0] : out.join(''));
    out = [];
  };
  const send = (text: string, p: Pending) => {
    out.push(text);
    waiting.push(p);
    flushing ??= setImmediate(flush);
  };

  function answered(v: unknown) {
    const p = waiting[head];
    if (!p) throw new Error('an answer from Redis that nothing asked for');
    waiting[head++] = undefined as never;
    if (head > 1024 && head * 2 > waiting.length) {
      waiting = waiting.slice(head);
      head = 0;
    }
    if (!(v instanceof Error)) return p.resolve(v);
    if (p.script && p.words && v.message.startsWith('NOSCRIPT')) {
      p.words[0] = 'EVAL';
      p.words[1] = p.script.lua;
      p.script = undefined; // once
      return send(encode(p.words), p);
    }
    p.reject(v);
  }

  function dropped(s: net.Socket, why?: Error) {
    if (socket !== s) return;
    socket = null;
    up = false;
    if (flushing) clearImmediate(flushing);
    flushing = null;
    out = [];
    const lost = waiting.slice(head);
    waiting = [];
    head = 0;
    for (const p of lost) {
      if (p.fallback) p.fallback().then(p.resolve, p.reject);
      else p.reject(why ?? new Error('Connection is closed'));
    }
    if (closed) return;
    if (!down) log.warn({ err: why?.message, retryInMs: backoff }, 'script line to Redis down: scripts go through ioredis meanwhile');
    down = true;
    setTimeout(open, backoff).unref();
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }

  function open() {
    if (closed) return;
    const s = secure ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host }) : net.connect({ host, port });
    socket = s;
    s.setNoDelay(true);
    s.setKeepAlive(true, 30_000);
    const reader = new ReplyReader();
    let why: Error | undefined;
    s.on(secure ? 'secureConnect' : 'connect', () => {
      const steps: string[][] = [];
      if (password) steps.push(user ? ['AUTH', user, password] : ['AUTH', password]);
      if (db) steps.push(['SELECT', String(db)]);
      steps.push(['CLIENT', 'SETNAME', LINE_NAME]); // CLIENT LIST tells the line from ioredis's connections
      let left = steps.length;
      const ready = () => {
        up = true;
        backoff = 100;
        if (down) log.info('script line to Redis up again');
        down = false;
      };
      for (const words of steps)
        send(encode(words), {
          resolve: () => void (--left === 0 && ready()),
          // Refused (a wrong password, no such db): the line gives up; ioredis, with the same address,
          // says why. A connection lost meanwhile is not a refusal: it is tried again (dropped).
          reject: (err) => {
            if (err.name !== 'ReplyError') return;
            log.error({ err: err.message, step: words[0] }, 'script line to Redis refused: scripts go through ioredis');
            closed = true;
            s.destroy(err);
          },
        });
    });
    s.on('data', (chunk: Buffer) => {
      try {
        reader.feed(chunk);
        for (let v = reader.next(); v !== PARTIAL; v = reader.next()) answered(v);
      } catch (err) {
        s.destroy(err as Error); // out of step with Redis: start over (what was in flight goes to ioredis)
      }
    });
    s.on('error', (err) => (why = err));
    s.on('close', () => dropped(s, why));
  }
  open();

  return {
    get up() {
      return up;
    },
    run(script, keys, args, fallback) {
      if (!up) return fallback();
      const words = new Array<string>(3 + keys.length + args.length);
      words[0] = 'EVALSHA';
      words[1] = script.sha;
      words[2] = String(keys.length);
      for (let i = 0; i < keys.length; i++) words[3 + i] = keyPrefix + keys[i];
      for (let i = 0; i < args.length; i++) words[3 + keys.length + i] = String(args[i]);
      return new Promise((resolve, reject) => send(encode(words), { resolve, reject, fallback, script, words }));
    },
    close() {
      closed = true;
      up = false;
      socket?.destroy();
    },
  };
}
