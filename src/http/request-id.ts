/**
 * Every request's id: the one a load balancer sent (`X-Request-Id`, when it is a plain token of 8–64
 * characters), a new one otherwise. It goes back in the answer's `X-Request-Id` header and onto every
 * log line written while the request is handled (log.ts's scope), so a complaint that quotes it
 * finds its lines.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { logScope } from '../log.js';

const GOOD = /^[A-Za-z0-9._:-]{8,64}$/;
// A process prefix and a counter: unique across processes and cheaper than a UUID per request.
const prefix = randomBytes(4).toString('hex');
let seq = 0;

export function requestId(req: IncomingMessage): string {
  const sent = req.headers['x-request-id'];
  if (typeof sent === 'string' && GOOD.test(sent)) return sent;
  seq = (seq + 1) % Number.MAX_SAFE_INTEGER;
  return `${prefix}-${seq.toString(36)}`;
}

/** Runs `handle` in the request's log scope, its id already on the answer. */
export function withRequestId(req: IncomingMessage, res: ServerResponse, handle: () => void): void {
  const reqId = requestId(req);
  res.setHeader('x-request-id', reqId);
  logScope.run({ reqId }, handle);
}
