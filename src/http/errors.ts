/**
 * Errors at the HTTP edge are values with codes: `{error:{code, message, field}}`. Throw a
 * DomainError (errors.ts: `refusal(code, message, field)` for the generic codes) anywhere in a
 * route or capability; the middleware renders it.
 * Anything else is a 500 that is logged.
 */
import type { Middleware } from 'koa';
import type { ZodError } from 'zod';
import { DomainError, refusal } from '../errors.js';
import type { Logger } from '../log.js';
import { inChinese } from './words.js';

/**
 * A failed zod parse as a 400: the first problem in `field`/`message` (English, for machines), every
 * field's problem in `fields` as a Chinese sentence (what forms show; http/words.ts).
 */
export function validationError(err: ZodError, input?: unknown): DomainError {
  const issue = err.issues[0];
  const field = issue.path.join('.') || undefined;
  const fields: Record<string, string> = {};
  for (const i of err.issues) {
    const f = i.path.join('.');
    if (f && !(f in fields)) fields[f] = inChinese(i, input);
  }
  return refusal(
    'VALIDATION',
    field ? `${field}: ${issue.message}` : issue.message,
    field,
    Object.keys(fields).length ? fields : undefined,
  );
}

const DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', '57P01', '57P03']);
const DOWN_WORDS =
  /Connection is closed|max retries per request|Stream isn't writeable|Connection terminated|timeout exceeded when trying to connect|Can't reach database server|^(MOVED|ASK|CLUSTERDOWN|TRYAGAIN) |Too many Cluster redirections|Failed to refresh slots cache|None of startup nodes is available/i;

/** Redis or PostgreSQL out of reach (a restart, a failover, a network cut): not the request's fault, and safe to repeat. */
export function unreachable(err: unknown): boolean {
  const e = err as { code?: unknown; name?: string; message?: string; cause?: unknown };
  if (!e || typeof e !== 'object') return false;
  if (typeof e.code === 'string' && DOWN_CODES.has(e.code)) return true;
  if (e.name === 'MaxRetriesPerRequestError' || DOWN_WORDS.test(e.message ?? '')) return true;
  return e.cause !== undefined && e.cause !== err && unreachable(e.cause);
}

/** A coded error as the API renders it everywhere (the middleware below, and the lean routes: lean.ts); null for anything else. */
export function errorAnswer(err: unknown): { status: number; body: { error: Record<string, unknown> } } | null {
  if (err instanceof DomainError) {
    return {
      status: err.status,
      body: {
        error: {
          code: err.code,
          message: err.message,
          ...(err.field ? { field: err.field } : {}),
          ...(err.fields ? { fields: err.fields } : {}),
          ...(err.rule ? { rule: err.rule } : {}),
        },
      },
    };
  }
  // An outage is a 503 that says "try again", never a 500 (the same grab again answers the truth).
  if (unreachable(err)) return errorAnswer(new DomainError('UNAVAILABLE'));
  const e = err as { status?: number; name?: string; message?: string };
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    // body errors: malformed JSON (a SyntaxError with status 400), body too large (413)
    const code = e.status === 413 ? 'TOO_LARGE' : 'BAD_REQUEST';
    return {
      status: e.status,
      body: { error: { code, message: e.name === 'SyntaxError' ? `malformed JSON body: ${e.message}` : (e.message ?? code) } },
    };
  }
  return null;
}

export function errors(log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      // The client is gone, or node already answered it (408 on a request timeout): nothing to render.
      if (ctx.res.headersSent || !ctx.req.socket || ctx.req.socket.destroyed) {
        log.debug({ err, path: ctx.path }, 'request ended before an answer');
        ctx.respond = false;
        return;
      }
      // Answered before the body was read (too large, unauthenticated, bad JSON): what is left of it
      // would be parsed as the next request on a kept-alive connection. Discard it and close.
      if (!ctx.req.complete) {
        ctx.set('connection', 'close');
        ctx.req.resume();
      }
      const known = errorAnswer(err);
      if (known) {
        ctx.status = known.status;
        ctx.body = known.body;
        if (known.status === 503) {
          ctx.set('retry-after', '2');
          log.warn({ err: (err as Error).message, path: ctx.path }, 'answered 503: Redis or PostgreSQL out of reach');
        }
        return;
      }
      log.error({ err, path: ctx.path }, 'unhandled error');
      ctx.status = 500;
      ctx.body = { error: { code: 'INTERNAL', message: 'internal error' } };
    }
  };
}
