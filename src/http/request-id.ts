/**
 * Every request's id: the one a load balancer sent (`X-Request-Id`, when it is a plain token of 8–64
 * characters), a new one otherwise. It goes back in the answer's `X-Request-Id` header and onto every
 * log line written while the request is handled (log.ts's scope), so a complaint that quotes it
 * finds its lines.
 *
 * The hot routes write their whole answer in one writeHead (http/lean.ts): the id goes into that
 * call's headers (`requestIdOf`), because a header set beforehand with setHeader sends writeHead down
 * node's slow path (every header merged one by one). Everything else gets it set here.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { logScope } from '../log.js';

const GOOD = /^[A-Za-z0-9._:-]{8,64}$/;
// A process prefix and a counter: unique across processes and cheaper than a UUID per request.
const prefix = randomBytes(4).toString('hex');
let seq = 0;
// On the response itself, under a symbol (as arrival.ts keeps its time): a WeakMap entry per request
// is an ephemeron for the GC to trace, thousands a second in a storm.
const ID = Symbol('requestId');
type Marked = ServerResponse & { [ID]?: string };

export function requestId(req: IncomingMessage): string {
  const sent = req.headers['x-request-id'];
  if (typeof sent === 'string' && GOOD.test(sent)) return sent;
  seq = (seq + 1) % Number.MAX_SAFE_INTEGER;
  return `${prefix}-${seq.toString(36)}`;
}

/** The id of the request this answers (set by withRequestId). */
export const requestIdOf = (res: ServerResponse): string | undefined => (res as Marked)[ID];

/**
 * Runs `handle` in the request's log scope. `lean(req, res)` tries the hot routes first (they add the
 * id to their own single writeHead); any other answer gets the header here.
 */
export function withRequestId(req: IncomingMessage, res: ServerResponse, handle: (lean: boolean) => boolean | undefined): void {
  const reqId = requestId(req);
  (res as Marked)[ID] = reqId;
  logScope.run({ reqId }, () => {
    if (!handle(true)) {
      res.setHeader('x-request-id', reqId);
      handle(false);
    }
  });
}
