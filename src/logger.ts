import { format } from 'node:util';
import { type Logger, type LoggerOptions, pino } from 'pino';

/** Keys whose values never reach a log line, wherever they appear. */
const REDACT_PATHS = [
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

const LOG_BATCH_BYTES = 4096;
const LOG_BATCH_MS = 200;

export function createLogger(
  opts: {
    level?: string;
    name?: string;
    destination?: NodeJS.WritableStream;
    /**
     * Write stdout asynchronously (issue 13: a synchronous write per line cost
     * the QC worker 5–6 % of its CPU, and each write is a system call). Lines
     * are written in order, in batches of about 4 kB or every 200 ms,
     * whichever comes first; pino flushes them synchronously on exit, and the
     * process's shutdown ends with a flush. A SIGKILL can lose the lines of
     * the last 200 ms: the database, not the log, is the record.
     */
    async?: boolean;
  } = {},
): Logger {
  const options: LoggerOptions = {
    level: opts.level ?? 'info',
    name: opts.name ?? 'ticket-qc',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
  };
  if (opts.destination) return pino(options, opts.destination as pino.DestinationStream);
  if (!opts.async) return pino(options);
  const dest = pino.destination({ dest: 1, sync: false, minLength: LOG_BATCH_BYTES });
  // A quiet process's last lines still appear within LOG_BATCH_MS.
  setInterval(() => {
    try {
      dest.flush();
    } catch {
      // not ready yet, or being closed: the next tick or the exit flush writes it
    }
  }, LOG_BATCH_MS).unref();
  return pino(options, dest);
}

/** Coerces anything thrown into an Error, keeping the original as `cause`. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : JSON.stringify(value), { cause: value });
}

/**
 * A long-running process writes one JSON object per line. Libraries that print
 * with console.* (BullMQ prints an unlistened 'error' — a stack trace per Redis
 * reconnect attempt — and its eviction-policy warning that way) would break
 * that stream; from here on their text goes through the logger as one line,
 * at the matching level. Only processes call this, never a CLI command, whose
 * console output is for a person. Returns a function that restores console.
 */
export function captureConsole(logger: Logger): () => void {
  const saved = {
    log: console.log,
    info: console.info,
    warn: console.warn,
    error: console.error,
    debug: console.debug,
    trace: console.trace,
  };
  const line =
    (level: 'info' | 'warn' | 'error' | 'debug') =>
    (...args: unknown[]) =>
      logger[level]({ console: format(...args) }, 'console output');
  console.log = line('info');
  console.info = line('info');
  console.warn = line('warn');
  console.error = line('error');
  console.debug = line('debug');
  console.trace = line('debug');
  return () => Object.assign(console, saved);
}
