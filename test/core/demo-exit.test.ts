import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.js';
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

function run(args: string[], env: Record<string, string>, timeoutMs: number) {
  return new Promise<{ code: number | null; timedOut: boolean; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut, stderr });
    });
  });
}

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
