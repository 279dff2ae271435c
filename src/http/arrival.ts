/**
 * When each request arrived (the node:http 'request' event), so deadlines promised to callers —
 * WeChat's 5 s — count from arrival, not from when a busy event loop got round to the route.
 */
import type { IncomingMessage } from 'node:http';

// On the request itself, under a symbol: a WeakMap entry per request was a GC cost at storm rates
// (an ephemeron each), and the time lives exactly as long as the request anyway.
const ARRIVED = Symbol('arrived');
type Marked = IncomingMessage & { [ARRIVED]?: number };

export function markArrival(req: IncomingMessage): void {
  (req as Marked)[ARRIVED] = performance.now();
}

/** Milliseconds since the request arrived (0 when it was not marked). */
export function sinceArrival(req: IncomingMessage): number {
  const t = (req as Marked)[ARRIVED];
  return t === undefined ? 0 : performance.now() - t;
}
