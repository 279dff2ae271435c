/**
 * When each request arrived (the node:http 'request' event), so deadlines promised to callers —
 * WeChat's 5 s — count from arrival, not from when a busy event loop got round to the route.
 */
import type { IncomingMessage } from 'node:http';

const arrivals = new WeakMap<IncomingMessage, number>();

export function markArrival(req: IncomingMessage): void {
  arrivals.set(req, performance.now());
}

/** Milliseconds since the request arrived (0 when it was not marked). */
export function sinceArrival(req: IncomingMessage): number {
  const t = arrivals.get(req);
  return t === undefined ? 0 : performance.now() - t;
}
