/**
 * One pino logger for the process; children carry the capability's name. Every line written while a
 * request is handled carries its id (`reqId`, the `X-Request-Id` the answer carries too): the front
 * server runs each request in `logScope` (http/request-id.ts), and the logger's mixin reads it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/** The request a log line is written for (its id). */
export const logScope = new AsyncLocalStorage<{ reqId: string }>();

/** Masks a mainland phone number for logs and lists: 138****8000. Anything else that looks like digits keeps only its last four. */
export function maskPhone(phone: string | null | undefined): string | null {
  if (!phone) return phone ?? null;
  const digits = phone.replace(/\D/g, '');
  if (digits.length === 11) return `${digits.slice(0, 3)}****${digits.slice(7)}`;
  return digits.length > 4 ? `${'*'.repeat(digits.length - 4)}${digits.slice(-4)}` : '****';
}

/** `to`: where lines go (stdout by default; a test reads them from a stream). */
export function createLogger(level: string, to?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      mixin: () => logScope.getStore() ?? {},
      redact: {
        paths: [
          'secret',
          'token',
          '*.secret',
          '*.token',
          'phone',
          '*.phone',
          '*.*.phone',
          'contactPhone',
          '*.contactPhone',
          'req.headers.cookie',
        ],
        // Phones are masked, not dropped (the last four digits still tell two people apart); the rest is removed.
        censor: (value: unknown, path: string[]) =>
          /phone$/i.test(path[path.length - 1]) && typeof value === 'string' ? maskPhone(value) : '[Redacted]',
      },
    },
    to,
  );
}
