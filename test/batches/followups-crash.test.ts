import { describe, expect, it } from 'vitest';
import { InjectedCrash } from '../../src/batches/crash.js';
import { runBatch } from '../../src/batches/run.js';
import { batchStatus, formatStatus } from '../../src/batches/status.js';
import { tick } from '../../src/batches/tick.js';
import { upsertTicket } from '../../src/db/tickets.js';
import { Ticket } from '../../src/ticket/schema.js';
import { waitFor } from '../helpers/pipeline.js';
import { spawnTsx } from '../helpers/process.js';
import { exampleRows, variedRow } from './fixtures.js';
import {
  ALL_TIER_UP,
  drain,
  type Harness,
  realtimeCalls,
  resultCounts,
  runUntilCrash,
  startHarness,
  submittedBatches,
  untilSubmitted,
} from './harness.js';

let h: Harness | undefined;

const TICKETS = 12;

async function start(processingMs?: number): Promise<Harness> {
  h = await startHarness({
    tickets: TICKETS,
    env: ALL_TIER_UP,
    ...(processingMs ? { sim: { batch: { processingMs } } } : {}),
  });
  return h;
}

/**
 * After the rerun: each ticket graded once; each ticket's base request and
 * its follow-up submitted once each (no create repeated, nothing realtime);
 * each submitted request recorded as exactly one batch-priced call.
 */
async function expectOnce(h: Harness): Promise<void> {
  const rows = await resultCounts(h.db, h.ids);
  expect(rows).toHaveLength(TICKETS);
  expect(rows.every((r) => r.n === 1 && r.via === 'batch')).toBe(true);

  expect(realtimeCalls(h)).toEqual([]);
  const entries = submittedBatches(h.sim).flat();
  expect(new Set(entries.map((e) => e.custom_id)).size).toBe(entries.length);
  const perTicket = new Map<number, string[]>();
  for (const e of entries) {
    const t = Number(/^t(\d+)-c\d+$/.exec(e.custom_id)?.[1]);
    perTicket.set(t, [...(perTicket.get(t) ?? []), String(e.params.model)]);
  }
  const base = h.p.config.QC_MODEL;
  const strong = h.p.config.QC_STRONG_MODEL;
  expect([...perTicket.keys()].sort((a, b) => a - b)).toEqual([...h.ids].sort((a, b) => a - b));
  for (const models of perTicket.values()) expect(models).toEqual([base, strong]);

  const calls = await h.db.pool.query<{ ticket_id: number; n: number; batch: number }>(
    `SELECT ticket_id, count(*)::int AS n,
       count(*) FILTER (WHERE details->>'batch' = 'true')::int AS batch
     FROM agent_events WHERE kind = 'llm_call' GROUP BY ticket_id`,
  );
  expect(calls.rows).toHaveLength(TICKETS);
  expect(calls.rows.every((r) => r.n === 2 && r.batch === 2)).toBe(true);
  const chunks = await h.db.pool.query<{ round: number; status: string }>(
    'SELECT round, status FROM batch_chunks ORDER BY id',
  );
  expect(chunks.rows).toEqual([
    { round: 1, status: 'collected' },
    { round: 2, status: 'collected' },
  ]);
}

describe('batch follow-ups: a process killed between rounds resumes on restart', () => {
  it('killed after the next round is stored, before it is submitted: the rerun submits it once', async () => {
    const h = await start();
    await runUntilCrash(h, { point: 'after-followups' });
    expect(submittedBatches(h.sim)).toHaveLength(1);
    const prepared = await h.db.pool.query(
      "SELECT 1 FROM batch_chunks WHERE round = 2 AND status = 'prepared'",
    );
    expect(prepared.rowCount).toBe(1);
    expect(formatStatus(await batchStatus(h.db.pool))).toMatch(
      /chunk \d+ \(run #1, follow-up round 2\) prepared \(no batch id yet\): 12 requests/,
    );

    const report = await runBatch(h.deps(), {
      via: 'batches',
      trigger: 'cli',
      wait: true,
      pollMs: 50,
    });
    // Planned, between rounds: not resumed (a new run selects what is new: nothing here); the pass
    // submits the waiting round and the poller finishes it.
    expect(report.resumed).toBe(false);
    expect(report.mapped).toBe(0);
    await drain(h, h.deps());
    await expectOnce(h);
  });

  it('killed while reading the first round (some follow-ups journaled, none bundled): nothing lost, nothing paid twice', async () => {
    const h = await start();
    await runUntilCrash(h, { point: 'mid-results', after: 5 });
    const journaled = await h.db.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM batch_followups WHERE chunk_id IS NULL',
    );
    expect(journaled.rows[0]?.n).toBeGreaterThanOrEqual(5);
    expect(journaled.rows[0]?.n).toBeLessThan(TICKETS);

    await drain(h, h.deps());
    await expectOnce(h);
  });

  it('killed while reading the second round: the rerun grades only what is left', async () => {
    const h = await start();
    const deps = h.deps();
    await runBatch(deps, { via: 'batches', trigger: 'cli' });
    const batchId = await untilSubmitted(h, deps, 2);
    await waitFor(
      'round 2 ended at the API',
      async () =>
        (await deps.anthropic.messages.batches.retrieve(batchId)).processing_status === 'ended',
    );
    await expect(
      tick(h.deps({ crashAt: { point: 'mid-results', after: 5 } })),
    ).rejects.toBeInstanceOf(InjectedCrash);
    const graded = await resultCounts(h.db, h.ids);
    expect(graded.length).toBeGreaterThanOrEqual(5);
    expect(graded.length).toBeLessThan(TICKETS);

    await drain(h, h.deps());
    await expectOnce(h);
  });

  it('a real `batch run --wait` SIGKILLed once the second round is stored: a restarted poller finishes it', async () => {
    // Slow enough batches that the kill lands between rounds, not after the last one.
    const h = await start(1_500);
    const env = {
      DATABASE_URL: h.db.url,
      REDIS_URL: h.p.config.REDIS_URL,
      QUEUE_PREFIX: h.p.config.QUEUE_PREFIX,
      ANTHROPIC_BASE_URL: h.sim.url,
      QC_SHADOW_RATE: '0',
      QC_BATCH_POLL_INTERVAL: '100ms',
      LOG_LEVEL: 'silent',
      ...ALL_TIER_UP,
    };
    const first = spawnTsx('src/cli/index.ts', ['batch', 'run', '--wait'], env);
    await waitFor(
      'the second round stored',
      async () =>
        (await h.db.pool.query('SELECT 1 FROM batch_chunks WHERE round = 2')).rowCount === 1,
      50_000,
    );
    first.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const round2 = await h.db.pool.query<{ status: string }>(
      'SELECT status FROM batch_chunks WHERE round = 2',
    );
    expect(['prepared', 'submitting', 'in_progress']).toContain(round2.rows[0]?.status);

    // The restart: a worker's poller (a create cut short by the kill is settled at once).
    await drain(h, h.deps({ submitGraceMs: 0 }));
    await expectOnce(h);
  });
});

describe('batch follow-ups: journaled but not yet bundled when the next `batch run` starts', () => {
  it('a `batch run` (nightly job, rerun) does not select those tickets again: nothing submitted twice', async () => {
    const h = await start();
    await runUntilCrash(h, { point: 'mid-results', after: 5 });
    const journaled = await h.db.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM batch_followups WHERE chunk_id IS NULL',
    );
    expect(journaled.rows[0]?.n).toBeGreaterThanOrEqual(5);

    // The restart is a `batch run`, which selects before its pass bundles the journaled follow-ups.
    const again = await runBatch(h.deps(), {
      via: 'batches',
      trigger: 'schedule',
      wait: true,
      pollMs: 50,
    });
    expect(again.mapped).toBe(0);
    await drain(h, h.deps());
    await expectOnce(h);
  });
});

describe('batch follow-ups: a `batch run` while an earlier run has a follow-up round waiting to be submitted', () => {
  it('starts its own run and selects the tickets stored since (the waiting round is submitted by the same pass)', async () => {
    const h = await start();
    // The first run's pass stops once it has stored round 2 (the next pass would submit it).
    await runUntilCrash(h, { point: 'after-followups' });
    // History imported meanwhile.
    const examples = exampleRows().filter((r) =>
      ['closed', 'solved'].includes(String(r.ticket.status)),
    );
    const later: number[] = [];
    for (let i = 0; i < 3; i++)
      later.push(
        (await upsertTicket(h.db.pool, Ticket.parse(variedRow(examples, i, 'LATER').ticket))).id,
      );

    // The nightly job: a run of its own, not a resumption of the first (which is planned).
    const nightly = await runBatch(h.deps(), {
      via: 'batches',
      trigger: 'schedule',
      wait: true,
      pollMs: 50,
    });
    expect(nightly.resumed).toBe(false);
    expect(nightly.mapped).toBe(3);
    await drain(h, h.deps());
    const rows = await resultCounts(h.db, [...h.ids, ...later]);
    expect(rows).toHaveLength(TICKETS + 3);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    // The first run's tickets: each request submitted once.
    const entries = submittedBatches(h.sim).flat();
    expect(new Set(entries.map((e) => e.custom_id)).size).toBe(entries.length);
  });
});

describe('batch follow-ups: killed while settling an entry whose output stayed invalid', () => {
  it('its paid calls are recorded once', async () => {
    h = await startHarness({ tickets: 3, sim: { faults: { schemaBreak: 1 } } });
    // Base, its repair, the strong model, its repair: four rounds, each invalid.
    await runUntilCrash(h, { point: 'failed-entry' });
    await drain(h, h.deps());
    const states = await h.db.pool.query<{ state: string; n: number }>(
      `SELECT state, count(*)::int AS n FROM batch_requests WHERE round = 4 GROUP BY 1`,
    );
    expect(states.rows).toEqual([{ state: 'failed', n: 3 }]);
    const calls = await h.db.pool.query<{ ticket_id: number; n: number }>(
      `SELECT ticket_id, count(*)::int AS n FROM agent_events WHERE kind = 'llm_call'
       GROUP BY 1 ORDER BY 1`,
    );
    expect(calls.rows.map((r) => r.n)).toEqual([4, 4, 4]);
  });
});

describe('batch follow-ups: killed while requeueing an entry whose grading kept failing', () => {
  it('its paid batch replies are recorded once', async () => {
    h = await start();
    const deps = h.deps();
    await runBatch(deps, { via: 'batches', trigger: 'cli' });
    const batchId = await untilSubmitted(h, deps, 2);
    await waitFor(
      'round 2 ended at the API',
      async () =>
        (await deps.anthropic.messages.batches.retrieve(batchId)).processing_status === 'ended',
    );
    // Grading the round-2 replies fails on every try (here: a journal that no longer matches the
    // path grading takes), so the entries go to the realtime queue.
    await h.db.pool.query(
      `UPDATE batch_requests SET journal = jsonb_set(journal, '{request,purpose}', '"shadow"')
       WHERE round = 2`,
    );
    await expect(
      drain(h, h.deps({ crashAt: { point: 'requeue-recorded' } })),
    ).rejects.toBeInstanceOf(InjectedCrash);
    await drain(h, h.deps());
    const states = await h.db.pool.query<{ state: string; n: number }>(
      `SELECT state, count(*)::int AS n FROM batch_requests WHERE round = 2 GROUP BY 1`,
    );
    expect(states.rows).toEqual([{ state: 'requeued', n: TICKETS }]);
    const calls = await h.db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM agent_events WHERE kind = 'llm_call'
       AND details->>'batch' = 'true' GROUP BY ticket_id`,
    );
    expect(calls.rows).toHaveLength(TICKETS);
    expect(calls.rows.map((r) => r.n)).toEqual(Array(TICKETS).fill(2));
  });
});

describe('batch follow-ups: a worker restarted with other grading settings between rounds', () => {
  it('grades with the settings the run started with: the paid tier-up reply is used and recorded, nothing asked again', async () => {
    h = await start();
    const deps = h.deps();
    await runBatch(deps, { via: 'batches', trigger: 'cli' });
    const batchId = await untilSubmitted(h, deps, 2);
    await waitFor(
      'round 2 ended at the API',
      async () =>
        (await deps.anthropic.messages.batches.retrieve(batchId)).processing_status === 'ended',
    );
    // The restart: QC_MIN_CONFIDENCE back to its default (no tier-up for most verdicts now).
    await drain(h, h.deps({ settings: { ...deps.settings, minConfidence: 0.5 } }));
    await expectOnce(h);
    const tiers = await h.db.pool.query<{ tier: string; n: number }>(
      'SELECT tier, count(*)::int AS n FROM qc_results GROUP BY 1',
    );
    expect(tiers.rows).toEqual([{ tier: 'strong', n: TICKETS }]);
  });
});
