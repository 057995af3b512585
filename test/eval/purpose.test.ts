import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from '../../src/db/pool.js';
import { summarize } from '../../src/db/summary.js';
import { runEval } from '../../src/eval/run.js';
import { readJsonl } from '../../src/import/jsonl.js';
import { createAnthropic } from '../../src/llm/client.js';
import { createRuntime } from '../../src/runtime.js';
import { testConfig } from '../helpers/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

/**
 * An evaluation is not grading. Production spend and supervision numbers
 * leave it out by `purpose`, so every call it makes — its repairs and
 * tier-ups too — must carry purpose 'eval', and a tier-up that fails must
 * not lose the cost of the base call that succeeded.
 */

let db: TestDb;
let sim: Simulator;
let dataset = '';

beforeAll(async () => {
  sim = await startSimulator({ seed: 4, noise: 0 });
  db = await createTestDb();
  const lines: string[] = [];
  for await (const row of readJsonl('examples/tickets.jsonl')) {
    if (row.ok && row.gold) lines.push(JSON.stringify({ ticket: row.ticket, gold: row.gold }));
    if (lines.length === 3) break;
  }
  dataset = path.join(await mkdtemp(path.join(tmpdir(), 'tqc-eval-purpose-')), 'three.jsonl');
  await writeFile(dataset, `${lines.join('\n')}\n`);
});
afterAll(async () => {
  await sim?.close();
  await db?.drop();
});

const env = () => ({
  DATABASE_URL: db.url,
  ANTHROPIC_BASE_URL: sim.url,
  // Every verdict is below it: every ticket tiers up.
  QC_MIN_CONFIDENCE: '0.99',
});

async function evalCalls(runId: number) {
  const r = await db.pool.query<{ purpose: string; tier: string; cost_usd: string }>(
    `SELECT purpose, tier, cost_usd FROM agent_events
     WHERE kind = 'llm_call' AND (details->>'evalRunId')::bigint = $1`,
    [runId],
  );
  return r.rows;
}

describe('evaluation calls', () => {
  it('tier-ups made by an evaluation are recorded as eval, not as production tier-ups', async () => {
    const rt = createRuntime(testConfig(env()), {
      logger: pino({ level: 'silent' }),
      pool: db.pool,
    });
    const report = await runEval(rt, { dataset, concurrency: 1 });
    expect(report.tierUps).toBe(3);
    const calls = await evalCalls(report.runId);
    expect(calls.filter((c) => c.tier === 'strong')).toHaveLength(3);
    expect([...new Set(calls.map((c) => c.purpose))]).toEqual(['eval']);
    // The QC spend the demo and the dashboards show has no part of it.
    const qc = await summarize(db.pool);
    expect(qc.byModel).toEqual([]);
  });

  it('a tier-up that fails still leaves the base call costed, on the item and in agent_events', async () => {
    const config = testConfig({ ...env(), ANTHROPIC_MAX_RETRIES: '0' });
    const rt = createRuntime(config, { logger: pino({ level: 'silent' }), pool: db.pool });
    // The first two tier-ups are refused; the third goes through, so the run has a
    // graded ticket and is stored (a run where every ticket failed stores nothing).
    let strongCalls = 0;
    const overloadStrong: typeof fetch = async (input, init) => {
      const body = JSON.parse(String(init?.body ?? '{}')) as { model?: string };
      if (body.model !== config.QC_STRONG_MODEL || ++strongCalls > 2) return fetch(input, init);
      return new Response(
        JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'busy' } }),
        { status: 529, headers: { 'content-type': 'application/json' } },
      );
    };
    const client = createAnthropic({ baseURL: sim.url, timeoutMs: 10_000, fetch: overloadStrong });
    const report = await runEval(
      { ...rt, llm: { ...rt.llm, client } },
      { dataset, concurrency: 1 },
    );
    expect(report.errors).toBe(2);
    const calls = await evalCalls(report.runId);
    const base = calls.filter((c) => c.tier === 'base');
    expect(base).toHaveLength(3);
    expect(base.every((c) => Number(c.cost_usd) > 0)).toBe(true);
    const items = await db.pool.query<{ cost_usd: string; error: string | null }>(
      'SELECT cost_usd, error FROM eval_items WHERE run_id = $1 AND error IS NOT NULL',
      [report.runId],
    );
    expect(items.rows).toHaveLength(2);
    expect(items.rows.every((i) => Number(i.cost_usd) > 0 && /529/.test(i.error ?? ''))).toBe(true);
  });
});

/** The pool, except that inserts into agent_events fail (as on a crash or a full disk). */
function eventsFail(pool: Pool): Pool {
  type Query = (...args: unknown[]) => unknown;
  const guard =
    (query: Query): Query =>
    (...args) =>
      typeof args[0] === 'string' && args[0].startsWith('INSERT INTO agent_events')
        ? Promise.reject(new Error('could not extend file: No space left on device'))
        : query(...args);
  const wrap = <T extends object>(target: T, extra: Record<string | symbol, unknown> = {}): T =>
    new Proxy(target, {
      get(t, k) {
        if (k in extra) return extra[k];
        const v = Reflect.get(t, k);
        if (k === 'query') return guard((v as Query).bind(t));
        return typeof v === 'function' ? v.bind(t) : v;
      },
    });
  return wrap(pool, {
    connect: async () => wrap(await pool.connect()),
  });
}

describe('an evaluation run', () => {
  it('is stored together with its model calls, or not at all', async () => {
    const rt = createRuntime(testConfig(env()), {
      logger: pino({ level: 'silent' }),
      pool: db.pool,
    });
    const runs = async () =>
      (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM eval_runs')).rows[0]?.n;
    const before = await runs();
    await expect(
      runEval({ ...rt, pool: eventsFail(db.pool) }, { dataset, concurrency: 1 }),
    ).rejects.toThrow(/No space left/);
    // Without the calls, a stored run would show spend that agent_events (budgets, costs) never saw.
    expect(await runs()).toBe(before);
  });
});
