/**
 * The node:http server in front of everything: arrival times, connection caps, short timeouts, and
 * the split between the live stream (served raw, see live/raw.ts) and Koa. A flood of idle or
 * half-sent connections must not take the process to its file-descriptor limit: past
 * MAX_CONNECTIONS every request but /healthz and /readyz is answered 503 and its connection closed, so the load
 * balancer's health checks still get through (HEALTH_ROOM more sockets are accepted for them).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Config } from '../config.js';
import { markArrival } from './arrival.js';

/** Sockets accepted beyond MAX_CONNECTIONS, only so that health checks are answered. */
export const HEALTH_ROOM = 64;

/** The client's address: the socket's, or with N trusted proxies the N-th entry of X-Forwarded-For from the right. */
export function clientIp(req: IncomingMessage, hops: number): string {
  const socketIp = req.socket.remoteAddress ?? '';
  if (hops === 0) return socketIp;
  const header = req.headers['x-forwarded-for'];
  const list = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const trusted = list.slice(-hops);
  return trusted[0] ?? socketIp;
}

function refuse(res: ServerResponse, status: number, code: string, message: string) {
  res.shouldKeepAlive = false;
  res.writeHead(status, {
    'content-type': 'application/json',
    connection: 'close',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'retry-after': '5',
  });
  res.end(JSON.stringify({ error: { code, message } }));
}

export interface FrontServer extends Server {
  /**
   * Graceful stop: no new connections; requests already sent are answered, each with `Connection:
   * close` (the client's next request goes to another process); idle keep-alive connections are
   * closed now, the rest once their answers are out, any left after `graceMs` forcibly.
   */
  drain(graceMs: number): Promise<void>;
}

export function createFrontServer(config: Config, handle: (req: IncomingMessage, res: ServerResponse) => void): FrontServer {
  let open = 0;
  let draining = false;
  const perIp = new Map<string, number>();
  const countPerIp = config.TRUST_PROXY === 0; // behind a proxy every socket comes from the proxy

  // A socket that never sends a byte is not covered by node's header timeout: it would stay forever.
  const silent = new WeakMap<Socket, NodeJS.Timeout>();

  const server = createServer(
    {
      headersTimeout: config.HEADERS_TIMEOUT_MS,
      requestTimeout: config.REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: Math.min(1000, config.HEADERS_TIMEOUT_MS),
    },
    (req, res) => {
      markArrival(req);
      const quiet = silent.get(req.socket);
      if (quiet) {
        clearTimeout(quiet);
        silent.delete(req.socket); // an idle stream keeps its socket for hours: keep nothing else with it
      }
      if (draining) res.shouldKeepAlive = false;
      if (open > config.MAX_CONNECTIONS && !req.url?.startsWith('/healthz') && !req.url?.startsWith('/readyz')) {
        return refuse(res, 503, 'BUSY', 'too many open connections; try again shortly');
      }
      handle(req, res);
    },
  );
  server.maxConnections = config.MAX_CONNECTIONS + HEALTH_ROOM; // beyond this node closes new sockets at once
  server.keepAliveTimeout = 65_000; // longer than common load balancers' idle timeout
  server.on('connection', (socket: Socket) => {
    open++;
    const ip = socket.remoteAddress ?? '';
    if (countPerIp) perIp.set(ip, (perIp.get(ip) ?? 0) + 1);
    silent.set(socket, setTimeout(() => socket.destroy(), config.HEADERS_TIMEOUT_MS).unref());
    socket.once('close', () => {
      clearTimeout(silent.get(socket));
      open--;
      if (!countPerIp) return;
      const n = (perIp.get(ip) ?? 1) - 1;
      if (n <= 0) perIp.delete(ip);
      else perIp.set(ip, n);
    });
    // One address holding more than its share (no proxy in front): refused before it costs anything.
    if (countPerIp && perIp.get(ip)! > config.MAX_CONNECTIONS_PER_IP) socket.destroy();
  });
  return Object.assign(server, {
    drain(graceMs: number): Promise<void> {
      draining = true;
      const closed = new Promise<void>((ok) => server.close(() => ok()));
      // A kept-alive connection whose request was in flight becomes idle once answered: closed then.
      const idle = setInterval(() => server.closeIdleConnections(), 50);
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      return closed.finally(() => {
        clearInterval(idle);
        clearTimeout(force);
      });
    },
  });
}
