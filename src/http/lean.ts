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
import { HttpError, errorAnswer } from './errors.js';
import { nulAt } from './body.js';

export type LeanRoute = (req: IncomingMessage, res: ServerResponse, query: URLSearchParams) => boolean;

const MAX_JSON = 64 * 1024;

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
  if (extra) for (const name of Object.keys(extra)) headers[name] = extra[name];
  res.writeHead(status, headers);
  res.end(text);
}

export function sendJson(res: ServerResponse, https: boolean, status: number, body: unknown, extra?: Record<string, string>): void {
  send(res, https, status, 'application/json; charset=utf-8', JSON.stringify(body), extra);
}

/** A request body up to `limit` bytes; past it a 413 (the rest is discarded by `fail`, never read as a request). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(Object.assign(new Error('request entity too large'), { status: 413 }));
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      cleanup();
      fail(Object.assign(new Error('request entity too large'), { status: 413 }));
    };
    const onEnd = () => {
      cleanup();
      ok(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    };
    const onError = (err: Error) => {
      cleanup();
      fail(err);
    };
    const cleanup = () => {
      req.off('data', onData).off('end', onEnd).off('error', onError);
      req.pause();
    };
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

/** The request says its body is JSON (anything else is left to Koa's parser and its answers). */
export const isJson = (req: IncomingMessage) => JSON_TYPE.test(req.headers['content-type'] ?? '');

/** A JSON body as the API's parser takes it: up to 64 KB, empty is {}, no NUL character anywhere. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const raw = (await readBody(req, MAX_JSON)).toString('utf8');
  let body: unknown;
  try {
    body = raw.trim() ? JSON.parse(raw) : {};
  } catch (err) {
    throw Object.assign(err as Error, { status: 400 });
  }
  const at = nulAt(body);
  if (at)
    throw new HttpError(400, 'VALIDATION', `${at}: must not contain NUL characters`, at, {
      [at]: '内容里有无法保存的字符，请删掉后再试。',
    });
  return body;
}

/**
 * Runs a lean route's work and writes its JSON answer, or the error as Koa's error middleware would
 * (a coded error as itself, anything else a logged 500).
 */
export function answer(
  res: ServerResponse,
  opts: { https: boolean; log: Logger; path: string },
  work: () => Promise<{ status: number; body: unknown }>,
): void {
  const req = res.req;
  work().then(
    ({ status, body }) => {
      if (!res.destroyed) sendJson(res, opts.https, status, body);
    },
    (err: unknown) => {
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
  );
}

/** The lean routes, by "METHOD /path": true when one of them took the request. */
export function leanRoutes(routes: Record<string, LeanRoute>): (req: IncomingMessage, res: ServerResponse) => boolean {
  const table = new Map(Object.entries(routes));
  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const route = table.get(`${req.method} ${q < 0 ? url : url.slice(0, q)}`);
    return route ? route(req, res, new URLSearchParams(q < 0 ? '' : url.slice(q + 1))) : false;
  };
}
