import { type Logger, type LoggerOptions, pino } from 'pino';

/** Keys whose values never reach a log line, wherever they appear. */
export const REDACT_PATHS = [
  'apiKey',
  '*.apiKey',
  'ANTHROPIC_API_KEY',
  '*.ANTHROPIC_API_KEY',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers["x-api-key"]',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'SESSION_SECRET',
  'EVENTS_TOKEN',
  'ZENDESK_API_TOKEN',
];

export function createLogger(
  opts: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {},
): Logger {
  const options: LoggerOptions = {
    level: opts.level ?? 'info',
    name: opts.name ?? 'ticket-qc',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
  };
  return opts.destination
    ? pino(options, opts.destination as pino.DestinationStream)
    : pino(options);
}

/** Coerces anything thrown into an Error, keeping the original as `cause`. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : JSON.stringify(value), { cause: value });
}
