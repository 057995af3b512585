import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { runToExit } from '../helpers/process.js';
import { testPrefix } from '../helpers/redis.js';
import { REDIS_URL } from '../helpers/urls.js';

/**
 * A CLI command that fails must still exit: the demo starts the simulator (an
 * HTTP server) before it builds the runtime, so a failure there used to leave
 * the server listening and the process hanging after printing its error.
 */

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db?.drop();
});

/** A separate process: the test is whether the real binary exits at all. */
const run = (args: string[], env: Record<string, string>, timeoutMs: number) =>
  runToExit(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], env, { timeoutMs });

describe('ticket-qc demo', () => {
  it('exits non-zero with the reason when the runtime cannot be built (no price for QC_MODEL)', async () => {
    const r = await run(
      ['demo', '--limit', '1'],
      {
        DATABASE_URL: db.url,
        REDIS_URL,
        QUEUE_PREFIX: testPrefix(),
        ANTHROPIC_API_KEY: '',
        QC_MODEL: 'claude-unpriced-9',
        LOG_LEVEL: 'silent',
      },
      25_000,
    );
    expect(r.timedOut, r.stderr).toBe(false);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no price for model "claude-unpriced-9"');
  });
});
