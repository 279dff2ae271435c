/**
 * Request input at the edge, read by one reader for every route that takes a body (the Koa routes,
 * the lean routes, WeChat's and WeChat Pay's raw callbacks): bytes, joined as bytes, up to a limit,
 * decoded once. Bodies are parsed only by the routes that take them, after the caller is known (a
 * stranger's half-sent body is never waited for), and nothing PostgreSQL cannot store gets further:
 * a NUL character anywhere is a 400 naming its field, an id past PostgreSQL's integer is "not found",
 * never a 500 (src/ids.ts). JSON nested deeper than any form needs is refused on its text, before
 * JSON.parse (which recurses) and before any walk: a few KB of `[` must not hold the event loop.
 */
import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';
import type { z } from 'zod';
import { refusal } from '../errors.js';
import { validationError } from './errors.js';

export { dbId, idParam } from '../ids.js';

/** The API's JSON limit, in bytes. */
export const MAX_JSON = 64 * 1024;
/** Deeper than any body this product takes (a requirement is 3 levels); the walk and the parser stay linear and shallow. */
export const MAX_DEPTH = 16;

const tooLarge = () => Object.assign(new Error('request entity too large'), { status: 413 });

/** A request body up to `limit` bytes; past it a 413 (the rest is discarded by the error handler, never read as a request). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(tooLarge());
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      cleanup();
      fail(tooLarge());
    };
    // At the end nothing more comes: the listeners stay (removing three per request cost more than
    // they weigh; a late error only fails a promise already settled).
    const onEnd = () => ok(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
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

/** True when JSON text nests arrays and objects deeper than `max` (one linear pass; strings skipped). */
export function nestedDeeper(text: string, max = MAX_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: the next character is escaped
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > max) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}

interface Step {
  value: unknown;
  key: string;
  up: Step | null;
}
const pathOf = (s: Step): string => {
  const parts: string[] = [];
  for (let at: Step | null = s; at?.up; at = at.up) parts.push(at.key);
  return parts.reverse().join('.') || '(body)';
};

/**
 * The path of the first string (or key) holding a NUL (PostgreSQL's text refuses it), or null.
 * Iterative, and the path is built only on a hit: linear in the size of the value, whatever its shape.
 */
export function nulAt(value: unknown): string | null {
  const stack: Step[] = [{ value, key: '', up: null }];
  while (stack.length) {
    const s = stack.pop()!;
    const v = s.value;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return pathOf(s);
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: String(i), up: s });
    } else if (v && typeof v === 'object') {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i];
        if (k.includes('\u0000')) return pathOf({ value: null, key: k.replaceAll('\u0000', '\\0'), up: s });
        stack.push({ value: (v as Record<string, unknown>)[k], key: k, up: s });
      }
    }
  }
  return null;
}

/**
 * JSON text as the API takes it: empty is {}, malformed is a 400, too deep a 400 before parsing, and
 * no NUL character anywhere (JSON can carry one only as the escape \u0000, so text without it is not walked).
 */
export function parseJsonText(text: string): unknown {
  if (!text.trim()) return {};
  if (nestedDeeper(text))
    throw refusal('BAD_REQUEST', `malformed JSON body: nested deeper than ${MAX_DEPTH} levels`, undefined, {
      '(body)': '提交的内容层级过深，无法处理。',
    });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw Object.assign(err as Error, { status: 400 });
  }
  const at = /\\u0000/i.test(text) ? nulAt(body) : null;
  if (at)
    throw refusal('VALIDATION', `${at}: must not contain NUL characters`, at, {
      [at]: '内容里有无法保存的字符，请删掉后再试。',
    });
  return body;
}

const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

/** The request says its body is JSON. */
export const isJson = (req: IncomingMessage) => JSON_TYPE.test(req.headers['content-type'] ?? '');

/** A JSON body as the API's parser takes it (parseJsonText), up to `limit` bytes. */
export function readJson(req: IncomingMessage, limit = MAX_JSON): Promise<unknown> {
  return readBody(req, limit).then((bytes) => parseJsonText(bytes.toString('utf8')));
}

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * JSON bodies of POST, PUT and PATCH (up to 64 KB by default; parseJsonText) as ctx.request.body; any
 * other content type is {} and its body is not read. Put it after the route's authentication.
 */
export function jsonBody(limit = MAX_JSON): Middleware {
  return async (ctx, next) => {
    if (WITH_BODY.has(ctx.method) && ctx.request.body === undefined) {
      if (!isJson(ctx.req)) ctx.request.body = {};
      else {
        const text = (await readBody(ctx.req, limit)).toString('utf8');
        (ctx.request as { rawBody?: string }).rawBody = text; // what a signed body is checked on (the sandbox's pay API)
        ctx.request.body = parseJsonText(text);
      }
    }
    return next();
  };
}

export const json = jsonBody();

/** A body (or any input) through its schema: the value, or a 400 naming every field that is wrong. */
export function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input);
  if (!r.success) throw validationError(r.error, input);
  return r.data;
}
