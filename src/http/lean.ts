/**
 * The hot routes, served straight from node:http in front of Koa: the grab endpoint and WeChat's
 * callback take a storm each, and the general middleware (router walk over every surface, cookie
 * and body parsers, per-request context objects) cost more than the grab itself (profile in
 * bench-results/profiles/). A lean route answers exactly what its Koa twin would: the same headers
 * (http/headers.ts), the same error shapes (`errorAnswer`), the same body rules (64 KB, no NUL).
 *
 * A route returns false, synchronously, to leave a request to Koa (no session, an unusual content
 * type…): the uncommon answers are written once, there. Once it returns true it owns the response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import { sinceArrival } from './arrival.js';
import { errorAnswer } from './errors.js';
import { requestIdOf } from './request-id.js';

export type LeanRoute = (req: IncomingMessage, res: ServerResponse, query: URLSearchParams) => boolean;

/** One cookie's value from the Cookie header (what Koa's ctx.cookies.get does for an unsigned cookie). */
export function cookieOf(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const v = part.slice(eq + 1).trim();
      if (!v.includes('%')) return v; // a signed token is base64url: nothing to decode
      try {
        return decodeURIComponent(v);
      } catch {
        return v;
      }
    }
  }
  return undefined;
}

/**
 * A whole answer in one write: the headers every answer carries (headers.ts says why), its type and
 * length, and any extra headers. Built property by property: an object spread followed by more
 * properties falls off V8's fast path (about 1 µs here, per answer).
 */
export function send(
  res: ServerResponse,
  https: boolean,
  status: number,
  type: string,
  text: string,
  extra?: Record<string, string>,
): void {
  const headers: Record<string, string> = {
    'content-type': type,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    'content-length': String(Buffer.byteLength(text)),
  };
  if (https) headers['strict-transport-security'] = 'max-age=31536000; includeSubDomains';
  const id = requestIdOf(res);
  if (id) headers['x-request-id'] = id;
  if (extra) for (const name of Object.keys(extra)) headers[name] = extra[name];
  res.writeHead(status, headers);
  res.end(text);
  // Timed here, as the answer is written (no 'finish' listener per request): arrival to the last write.
  (res as Timed)[TIMER]?.(status, sinceArrival(res.req) / 1000);
}

/** The timer of the lean route that took a response (leanRoutes sets it). */
const TIMER = Symbol('leanTimer');
type Timed = ServerResponse & { [TIMER]?: ((status: number, seconds: number) => void) | null };

const JSON_TYPE = 'application/json; charset=utf-8';

/** A lean route's answer: its status and body, or the body's JSON already written (`json`: an answer given thousands of times a second). */
export type LeanAnswer = { status: number; body?: unknown; json?: string };

/**
 * JSON in ASCII only: every other character written as its \uXXXX escape, which any JSON reader
 * turns back into the same text. An answer given thousands of times a second is written once this
 * way: a Chinese message makes the whole answer (headers too) a two-byte string, which node must
 * flatten and transcode to UTF-8 on every write; an ASCII one goes to the socket as it is.
 */
export function asciiJson(value: unknown): string {
  const text = JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  // Read back from bytes: a string built from a two-byte one can stay two-byte inside, ASCII or not.
  return Buffer.from(text, 'latin1').toString('latin1');
}

export function sendJson(res: ServerResponse, https: boolean, status: number, body: unknown, extra?: Record<string, string>): void {
  send(res, https, status, JSON_TYPE, JSON.stringify(body), extra);
}

export { isJson, readBody, readJson } from './body.js';

/** What a lean route's answers need: whether the site is HTTPS, the logger, the route's path for the logs. */
export type LeanOpts = { https: boolean; log: Logger; path: string };

/**
 * A lean route's two endings: its answer written as JSON, or its error answered as Koa's error
 * middleware would (a coded error as itself, anything else a logged 500). The route chains its
 * steps itself and hands each step's promise on to these, rather than returning it from a `then`:
 * adopting a promise costs the microtask queue two more turns per request.
 */
export function answering(res: ServerResponse, opts: LeanOpts): { written: (a: LeanAnswer) => void; failed: (err: unknown) => void } {
  const req = res.req;
  return {
    written: (a) => {
      if (!res.destroyed) send(res, opts.https, a.status, JSON_TYPE, a.json ?? JSON.stringify(a.body));
    },
    failed: (err) => {
      if (res.headersSent || res.destroyed) return;
      const known = errorAnswer(err);
      const extra: Record<string, string> = {};
      if (!req.complete) {
        extra.connection = 'close'; // the unread rest of the body must not be parsed as a request
        req.resume();
      }
      if (!known) opts.log.error({ err, path: opts.path }, 'unhandled error');
      else if (known.status === 503) {
        extra['retry-after'] = '2';
        opts.log.warn({ err: (err as Error).message, path: opts.path }, 'answered 503: Redis or PostgreSQL out of reach');
      }
      sendJson(res, opts.https, known?.status ?? 500, known?.body ?? { error: { code: 'INTERNAL', message: 'internal error' } }, extra);
    },
  };
}

/** The query of a URL without one (a grab's): one instance for all of them, which the routes only read. */
const NO_QUERY: URLSearchParams = new URLSearchParams();

/**
 * The lean routes, by "METHOD /path": true when one of them took the request. `timer` gives a
 * route's latency observer (metrics), called as its answer is written.
 */
export function leanRoutes(
  routes: Record<string, LeanRoute>,
  timer: (route: string) => ((status: number, seconds: number) => void) | null = () => null,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const table = new Map(Object.entries(routes).map(([name, route]) => [name, { route, timed: timer(name) }]));
  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const entry = table.get(`${req.method} ${q < 0 ? url : url.slice(0, q)}`);
    if (!entry) return false;
    (res as Timed)[TIMER] = entry.timed;
    if (entry.route(req, res, q < 0 ? NO_QUERY : new URLSearchParams(url.slice(q + 1)))) return true;
    (res as Timed)[TIMER] = null; // Koa answers it, and times it
    return false;
  };
}
