import {
  type Simulator,
  type SimulatorOptionsPatch,
  startSimulator,
} from '@ticket-qc/anthropic-simulator';
import { afterEach, expect } from 'vitest';
import { type CrashAt, InjectedCrash } from '../../src/batches/crash.js';
import { type BatchDeps, batchDepsOf } from '../../src/batches/deps.js';
import { runBatch } from '../../src/batches/run.js';
import { tick } from '../../src/batches/tick.js';
import { upsertTicket } from '../../src/db/tickets.js';
import { Ticket } from '../../src/ticket/schema.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { type Pipeline, startPipeline, waitFor } from '../helpers/pipeline.js';
import { exampleRows, variedRow } from './fixtures.js';

/**
 * One simulator, database and queue prefix per test: batches listed by the
 * simulator belong to this test only, so reconciliation sees no strangers.
 */
export interface Harness {
  sim: Simulator;
  db: TestDb;
  p: Pipeline;
  ids: number[];
  deps(extra?: Partial<BatchDeps>): BatchDeps;
  /** Idempotent; called after each test by the hook below. */
  close(): Promise<void>;
}

export async function startHarness(opts: {
  tickets: number;
  sim?: SimulatorOptionsPatch;
  env?: Record<string, string>;
}): Promise<Harness> {
  const sim = await startSimulator({
    seed: 7,
    noise: 0,
    requestLogLimit: 20_000,
    ...opts.sim,
    batch: { processingMs: 150, ...opts.sim?.batch },
  });
  const db = await createTestDb();
  const p = await startPipeline(db, sim.url, opts.env);
  const examples = exampleRows().filter((r) =>
    ['closed', 'solved'].includes(String(r.ticket.status)),
  );
  const ids: number[] = [];
  for (let i = 0; i < opts.tickets; i++) {
    const row = variedRow(examples, i, 'NIGHT');
    ids.push((await upsertTicket(db.pool, Ticket.parse(row.ticket))).id);
  }
  let closing: Promise<void> | undefined;
  const h: Harness = {
    sim,
    db,
    p,
    ids,
    deps: (extra = {}) => ({
      ...batchDepsOf(p.rt, { qcQueue: p.queue }),
      ingestConcurrency: 4,
      ...extra,
    }),
    close() {
      open.delete(h);
      closing ??= (async () => {
        await p.close();
        await db.drop();
        await sim.close();
      })();
      return closing;
    },
  };
  open.add(h);
  return h;
}

/** Harnesses started and not yet closed. */
const open = new Set<Harness>();

// Every test file importing the harness gets this hook: whatever a test started is closed after
// it, passed or failed, without an afterEach of its own.
afterEach(async () => {
  for (const h of [...open]) await h.close();
});

/**
 * For tests about the first round only (chunking, crash points, batch
 * pricing of the base call): follow-ups realtime, as before batch rounds
 * existed. Follow-up rounds are tested in followups*.test.ts.
 */
export const REALTIME_FOLLOWUPS: BatchDeps['followups'] = { via: 'realtime', rounds: 0 };

/**
 * Below every verdict's confidence in the simulator: every ticket tiers up, so
 * each has exactly one follow-up round.
 */
export const ALL_TIER_UP = { QC_MIN_CONFIDENCE: '0.99' };

/** The batch-priced LLM calls recorded for one ticket, counted by purpose. */
export async function batchCalls(h: Harness, ticketId: number) {
  const r = await h.db.pool.query<{ purpose: string; n: number }>(
    `SELECT purpose, count(*)::int AS n FROM agent_events
     WHERE kind = 'llm_call' AND ticket_id = $1 AND details->>'batch' = 'true'
     GROUP BY 1 ORDER BY 1`,
    [ticketId],
  );
  return r.rows;
}

/** The realtime Messages calls the simulator received. */
export function realtimeCalls(x: { sim: Simulator }) {
  return x.sim.requests().filter((r) => r.method === 'POST' && r.path === '/v1/messages');
}

/** Every request body the simulator received on POST /v1/messages/batches. */
export function submittedBatches(
  sim: Simulator,
): { custom_id: string; params: Record<string, unknown> }[][] {
  return sim
    .requests()
    .filter((r) => r.method === 'POST' && r.path === '/v1/messages/batches')
    .map(
      (r) =>
        (r.body as { requests: { custom_id: string; params: Record<string, unknown> }[] }).requests,
    );
}

export async function resultCounts(db: TestDb, ids: number[]) {
  const r = await db.pool.query<{ ticket_id: number; n: number; via: string }>(
    `SELECT ticket_id, count(*)::int AS n, min(via) AS via FROM qc_results
     WHERE ticket_id = ANY($1::bigint[]) GROUP BY ticket_id`,
    [ids],
  );
  return r.rows;
}

/** Chunks not yet collected, and follow-ups not yet bundled into one. */
export async function liveWork(h: Harness): Promise<number> {
  const r = await h.db.pool.query<{ n: number }>(
    `SELECT (SELECT count(*) FROM batch_chunks
               WHERE status IN ('prepared', 'submitting', 'in_progress', 'ended'))::int
          + (SELECT count(*) FROM batch_followups WHERE chunk_id IS NULL)::int AS n`,
  );
  return r.rows[0]?.n ?? 0;
}

/** What a worker's poller does: passes until every round of every run is collected. */
export async function drain(h: Harness, deps: BatchDeps): Promise<void> {
  await waitFor('every round collected', async () => {
    await tick(deps);
    return (await liveWork(h)) === 0;
  });
}

/** Passes until the chunk of this follow-up round is submitted; returns its batch id. */
export async function untilSubmitted(h: Harness, deps: BatchDeps, round: number): Promise<string> {
  return waitFor(`round ${round} submitted`, async () => {
    await tick(deps);
    const r = await h.db.pool.query<{ id: string | null }>(
      `SELECT anthropic_batch_id AS id FROM batch_chunks WHERE round = $1 AND status = 'in_progress'`,
      [round],
    );
    return r.rows[0]?.id ?? undefined;
  });
}

/** A `batch run --wait` from the CLI that stops with the crash injected at `crashAt`. */
export async function runUntilCrash(h: Harness, crashAt: CrashAt): Promise<void> {
  await expect(
    runBatch(h.deps({ crashAt }), { via: 'batches', trigger: 'cli', wait: true, pollMs: 50 }),
  ).rejects.toBeInstanceOf(InjectedCrash);
}
