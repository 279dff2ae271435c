/** One pino logger for the process; children carry the capability's name. */
import { type Logger, pino } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({ level, base: undefined, redact: ['*.secret', '*.token', '*.phone', 'req.headers.cookie'] });
}
