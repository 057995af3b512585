import cliProgress from 'cli-progress';
import type { Logger } from 'pino';

export interface ImportCounts {
  rows: number;
  stored: number;
  rejected: number;
}

export interface Progress {
  update(bytes: number, counts: ImportCounts): void;
  stop(): void;
}

/**
 * A bar on a terminal; on anything else (CI, a cron log, a pipe) a plain log
 * line every `everyMs`, because a redrawn bar turns into noise in a file.
 */
export function createProgress(opts: {
  totalBytes: number;
  tty: boolean;
  logger?: Logger | undefined;
  everyMs?: number;
  stream?: NodeJS.WritableStream;
}): Progress {
  if (opts.tty) {
    const bar = new cliProgress.SingleBar(
      {
        format:
          'import [{bar}] {percentage}% | {rows} rows, {stored} stored, {rejected} rejected | ETA {eta_formatted}',
        hideCursor: true,
        stream: opts.stream ?? process.stderr,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(Math.max(1, opts.totalBytes), 0, { rows: 0, stored: 0, rejected: 0 });
    return {
      update: (bytes, counts) => bar.update(Math.min(bytes, opts.totalBytes), { ...counts }),
      stop: () => bar.stop(),
    };
  }
  const everyMs = opts.everyMs ?? 5_000;
  let last = Date.now();
  return {
    update(bytes, counts) {
      const now = Date.now();
      if (now - last < everyMs) return;
      last = now;
      const pct = opts.totalBytes ? Math.min(100, Math.round((bytes / opts.totalBytes) * 100)) : 0;
      opts.logger?.info({ ...counts, percent: pct }, `import ${pct}%: ${counts.rows} rows read`);
    },
    stop: () => undefined,
  };
}
