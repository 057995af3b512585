import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../src/cli/index.js';
import { runEval } from '../../src/eval/run.js';
import { createRuntime } from '../../src/runtime.js';
import { captureLog } from '../helpers/cli.js';
import { testConfig } from '../helpers/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

/**
 * `ticket-qc eval` on the examples through the simulator over HTTP: it prints
 * accuracy and κ, stores the run, and the same run twice gives the same
 * numbers. More simulator noise → lower κ.
 */

let db: TestDb;
let sim: Simulator;
// A snapshot of the examples, so both runs read the same bytes even if the file is regenerated.
let dataset = '';

beforeAll(async () => {
  dataset = path.join(await mkdtemp(path.join(tmpdir(), 'tqc-eval-')), 'tickets.jsonl');
  await copyFile('examples/tickets.jsonl', dataset);
  db = await createTestDb();
  sim = await startSimulator({ seed: 3, noise: 0.05 });
});
afterAll(async () => {
  await sim?.close();
  await db?.drop();
});

function cli(args: string[]): Promise<string> {
  const config = testConfig({ DATABASE_URL: db.url, ANTHROPIC_BASE_URL: sim.url });
  return captureLog(() => buildCli(() => config).parseAsync(['node', 'ticket-qc', ...args]));
}

/**
 * The lines that must repeat: agreement numbers and the confusion matrix. Not
 * the run id, latency, or cost (the second run reads the prompt cache the
 * first one wrote, so it is cheaper — as it would be against the API).
 */
const stable = (out: string) =>
  out
    .split('\n')
    .filter((l) => /accuracy|kappa|^ {2}\w/.test(l))
    .join('\n');

describe('ticket-qc eval', () => {
  it('prints accuracy and kappa for the examples, stores the run, and repeats exactly', async () => {
    const first = await cli(['eval', '--dataset', dataset]);
    expect(first).toMatch(/outcome accuracy 0\.\d{3} \(\d+\/\d+\)\s+Cohen's kappa -?0\.\d{3}/);
    expect(first).toMatch(/criteria agreement 0\.\d{3}\s+kappa/);
    expect(first).toMatch(/cost \$\d+\.\d{4}/);
    const second = await cli(['eval', '--dataset', dataset]);
    expect(stable(second)).toBe(stable(first));
    const runs = await db.pool.query<{
      accuracy: string;
      kappa: string;
      items: number;
      context_version: string;
    }>('SELECT accuracy, kappa, items, context_version FROM eval_runs ORDER BY id');
    expect(runs.rows).toHaveLength(2);
    expect(runs.rows[0]?.items).toBeGreaterThanOrEqual(160);
    expect(runs.rows[1]).toEqual(runs.rows[0]);
    const items = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM eval_items');
    expect(items.rows[0]?.n).toBe((runs.rows[0]?.items ?? 0) * 2);
    // No results and no failures: an evaluation is not grading.
    const side = await db.pool.query<{ r: number; f: number }>(
      "SELECT (SELECT count(*)::int FROM qc_results) AS r, (SELECT count(*)::int FROM agent_events WHERE kind = 'failure') AS f",
    );
    expect(side.rows[0]).toEqual({ r: 0, f: 0 });
    const list = await cli(['eval', 'runs']);
    expect(list.split('\n')).toHaveLength(3);
    const json = JSON.parse(await cli(['eval', 'runs', '--json'])) as { id: number }[];
    expect(json).toHaveLength(2);
    expect(Number(json[0]?.id)).toBeGreaterThan(Number(json[1]?.id));
  });

  it('reports escalation recall/precision per rule and auto-fail precision; compare of two runs', async () => {
    const out = await cli(['eval', '--dataset', dataset, '--limit', '60']);
    // The simulator decides from context/ rules (never from gold labels); the figures are its own.
    expect(out.split('\n')[0]).toMatch(
      /^No ANTHROPIC_API_KEY set: calling the API at ANTHROPIC_BASE_URL/,
    );
    expect(out).toMatch(
      /escalation by rule \(recall = caught\/gold, precision = caught\/raised\):/,
    );
    expect(out).toMatch(
      /^ {2}\w+\s+recall (\d\.\d{3}|-) \(\d+\/\d+\)\s+precision (\d\.\d{3}|-) \(\d+\/\d+\)/m,
    );
    expect(out).toMatch(/auto-fail criteria \(precision/);
    expect(out).toMatch(/outcomes \(rows gold, columns graded\):/);
    const runs = await db.pool.query<{ id: number; by_rule: Record<string, { gold: number }> }>(
      'SELECT id, by_rule FROM eval_runs ORDER BY id DESC LIMIT 1',
    );
    const last = runs.rows[0];
    expect(Object.keys(last?.by_rule ?? {}).length).toBeGreaterThan(0);
    const stored = await db.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM eval_items WHERE run_id = $1 AND jsonb_array_length(escalations) > 0',
      [last?.id],
    );
    expect(stored.rows[0]?.n).toBeGreaterThan(0);

    // Two runs of the same context and model: nothing flips, p = 1, the interval is 0…0.
    const again = await cli(['eval', '--dataset', dataset, '--limit', '60']);
    const id2 = /eval #(\d+)/.exec(again)?.[1];
    const cmp = await cli(['eval', 'compare', String(last?.id), String(id2)]);
    expect(cmp).toMatch(/60 tickets in both runs/);
    expect(cmp).toMatch(/difference \+0\.0 pts/);
    expect(cmp).toMatch(/95% interval of the difference: \+0\.0 pts … \+0\.0 pts/);
    expect(cmp).toMatch(/McNemar exact test: 0 fixed by B, 0 broken by B, p = 1\.0000/);
    expect(cmp).toMatch(/no ticket changed its outcome/);
    const cmpJson = JSON.parse(
      await cli(['eval', 'compare', String(last?.id), String(id2), '--json']),
    ) as { runA: { id: number }; runB: { id: number } };
    expect([Number(cmpJson.runA.id), Number(cmpJson.runB.id)]).toEqual([
      Number(last?.id),
      Number(id2),
    ]);

    // More noise on B: tickets flip, each one listed.
    sim.setOptions({ noise: 0.4 });
    const noisy = await cli(['eval', '--dataset', dataset, '--limit', '60']);
    sim.setOptions({ noise: 0.05 });
    const id3 = /eval #(\d+)/.exec(noisy)?.[1];
    const cmp2 = await cli(['eval', 'compare', String(last?.id), String(id3)]);
    expect(cmp2).toMatch(/per-ticket flips \(gold: A → B\):\n {2}(fixed|broke|changed)/);
    await expect(cli(['eval', 'compare', String(last?.id), '99999'])).rejects.toThrow(
      /no evaluation run #99999/,
    );
  });

  it('every model call failing → an error, and no run that looks like a result', async () => {
    const locked = await startSimulator({ apiKey: 'the-right-key' });
    try {
      const before = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM eval_runs');
      const config = testConfig({
        DATABASE_URL: db.url,
        ANTHROPIC_BASE_URL: locked.url,
        ANTHROPIC_API_KEY: 'a-wrong-key',
      });
      await expect(
        captureLog(() =>
          buildCli(() => config).parseAsync([
            'node',
            'ticket-qc',
            'eval',
            '--dataset',
            dataset,
            '--limit',
            '5',
          ]),
        ),
      ).rejects.toThrow(/every one of the 5 tickets failed to grade, so no run was stored/);
      const after = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM eval_runs');
      expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
    } finally {
      await locked.close();
    }
  });

  it('raising the simulator noise lowers the measured kappa', async () => {
    const config = testConfig({ DATABASE_URL: db.url, ANTHROPIC_BASE_URL: sim.url });
    const rt = createRuntime(config, { logger: pino({ level: 'silent' }), pool: db.pool });
    const kappas: Array<[number, number | null, number | null]> = [];
    for (const noise of [0, 0.15, 0.35]) {
      sim.setOptions({ noise });
      const r = await runEval(rt, { dataset, limit: 80, concurrency: 8 });
      kappas.push([noise, r.kappa, r.criteriaKappa]);
    }
    sim.setOptions({ noise: 0.05 });
    console.info('noise → outcome kappa, criteria kappa:', JSON.stringify(kappas));
    const [k0, k1, k2] = kappas.map(([, k, c]) => [k ?? 0, c ?? 0] as const);
    expect(k1?.[0]).toBeLessThan(k0?.[0] ?? 0);
    expect(k2?.[0]).toBeLessThan(k1?.[0] ?? 0);
    expect(k1?.[1]).toBeLessThan(k0?.[1] ?? 0);
    expect(k2?.[1]).toBeLessThan(k1?.[1] ?? 0);
  });
});

describe('ticket-qc eval with an unpriced model', () => {
  it('refuses before any model call, naming QC_PRICES', async () => {
    const before = sim.requests().length;
    await expect(
      cli(['eval', '--dataset', dataset, '--model', 'some-unknown-model', '--limit', '2']),
    ).rejects.toThrow(/QC_PRICES/);
    expect(sim.requests().length).toBe(before);
  });
});

describe('ticket-qc eval on the gold labels stored in PostgreSQL', () => {
  it('db:review grades only the verdicts team leads added; db grades them all', async () => {
    const { readJsonl } = await import('../../src/import/jsonl.js');
    const { upsertTicket } = await import('../../src/db/tickets.js');
    let n = 0;
    for await (const row of readJsonl(dataset)) {
      if (!row.ok || !row.gold || n >= 3) continue;
      const { id } = await upsertTicket(db.pool, row.ticket);
      await db.pool.query(
        `INSERT INTO gold_labels (ticket_id, gold, origin) VALUES ($1, $2, $3)
         ON CONFLICT (ticket_id) DO UPDATE SET gold = EXCLUDED.gold, origin = EXCLUDED.origin`,
        [id, JSON.stringify(row.gold), n === 0 ? 'import' : 'review'],
      );
      n++;
    }
    const review = await cli(['eval', '--dataset', 'db:review']);
    expect(review).toMatch(/accuracy/i);
    const all = await cli(['eval', '--dataset', 'db']);
    expect(all).toMatch(/accuracy/i);
    const runs = await db.pool.query<{ dataset: string; items: number }>(
      "SELECT dataset, items FROM eval_runs WHERE dataset LIKE 'db%' ORDER BY id",
    );
    expect(runs.rows).toEqual([
      { dataset: 'db:review', items: 2 },
      { dataset: 'db', items: 3 },
    ]);
  });
});
