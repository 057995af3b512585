/**
 * A preload for benchmarks (`node --import tsx --import ./bench/pg-count.ts …`):
 * counts pool checkouts (`pg.Pool.prototype.connect`, which `pool.query`
 * also goes through) and statements (`pg.Client.prototype.query`) in the
 * process it is loaded into. On SIGUSR2 it writes the counts, with a sequence
 * number, to PG_COUNT_FILE, so the bench can read a snapshot before and after
 * a pass. Bench-only: nothing in src/ loads it.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// The CommonJS module the product's `import pg from 'pg'` resolves to: one instance, patched once.
const pg = createRequire(import.meta.url)('pg') as typeof import('pg');
const counts = { seq: 0, checkouts: 0, statements: 0 };

/** The counts so far, for a bench that imports this module into its own process. */
export function pgStatementCounts(): { checkouts: number; statements: number } {
  return { checkouts: counts.checkouts, statements: counts.statements };
}

type AnyFn = (...args: unknown[]) => unknown;
const proto = (c: unknown) => (c as { prototype: Record<string, AnyFn> }).prototype;
const connect = proto(pg.Pool).connect as AnyFn;
proto(pg.Pool).connect = function (this: unknown, ...args: unknown[]) {
  counts.checkouts++;
  return connect.apply(this, args);
};
const query = proto(pg.Client).query as AnyFn;
const texts: Record<string, number> = {};
proto(pg.Client).query = function (this: unknown, ...args: unknown[]) {
  counts.statements++;
  if (process.env.PG_COUNT_TEXTS) {
    const q = args[0] as string | { name?: string; text?: string };
    const key = typeof q === 'string' ? q : (q.name ?? q.text ?? '?');
    texts[key.replace(/\s+/g, ' ').slice(0, 80)] =
      (texts[key.replace(/\s+/g, ' ').slice(0, 80)] ?? 0) + 1;
  }
  return query.apply(this, args);
};

const file = process.env.PG_COUNT_FILE;
if (file) {
  process.on('SIGUSR2', () => {
    counts.seq++;
    writeFileSync(file, JSON.stringify(counts));
    if (process.env.PG_COUNT_TEXTS)
      writeFileSync(process.env.PG_COUNT_TEXTS, JSON.stringify(texts, null, 1));
  });
}
