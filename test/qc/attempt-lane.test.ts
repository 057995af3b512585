import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ContextStore } from '../../src/context/store.js';
import { beginAttempt, type HeldAnswer } from '../../src/db/attempts.js';
import type { LlmCall } from '../../src/db/events.js';
import { type AttemptScope, attemptLog, withAttemptScope } from '../../src/llm/attempts.js';
import { PriceTable } from '../../src/llm/prices.js';
import { type QcContext, qcContextOf } from '../../src/qc/context.js';
import { qcStatements } from '../../src/qc/statements.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { storeExamples } from '../helpers/pipeline.js';

/**
 * Issue 13: the attempt row of a QC job's later call (a tier-up, a second
 * opinion, a repair) goes through the job's lane (src/qc/statements.ts) like
 * its prepare and grade write: the tier-ups of the jobs that reach theirs
 * while a lane is in flight are inserted by one statement, with the answers
 * their jobs held, on the lane's one checkout; each job gets its own row, or
 * its own error, and the row is committed before the call may go out.
 * Statements are counted on the connections (`pg.Client#query`), as in
 * statement-groups.test.ts.
 */

let db: TestDb;
let ctx: QcContext;
let key: string;
let ids: number[];
const prices = new PriceTable();
const MODEL = 'claude-sonnet-4-6';

beforeAll(async () => {
  db = await createTestDb();
  const store = new ContextStore(db.pool);
  ctx = qcContextOf(await store.active());
  key = store.last()?.key as string;
  ids = await storeExamples(db, 32);
});
afterAll(async () => {
  vi.restoreAllMocks();
  await db?.drop();
});

/** Statements by name, and pool checkouts, while `fn` runs. */
async function counting<T>(fn: () => Promise<T>): Promise<{
  out: T;
  named: (name: string) => number;
  checkouts: number;
}> {
  const spy = vi.spyOn(pg.Client.prototype, 'query');
  const connects = vi.spyOn(db.pool, 'connect');
  try {
    const out = await fn();
    const names = spy.mock.calls.map((c) => (c[0] as { name?: string }).name);
    return {
      out,
      named: (name) => names.filter((n) => n === name).length,
      checkouts: connects.mock.calls.length,
    };
  } finally {
    spy.mockRestore();
    connects.mockRestore();
  }
}

const call = (costUsd: number): LlmCall => ({
  model: 'claude-haiku-4-5',
  purpose: 'grade',
  tier: 'base',
  inputTokens: 900,
  outputTokens: 170,
  cacheCreationTokens: 0,
  cacheReadTokens: 9_000,
  costUsd,
  latencyMs: 5,
  outcome: 'ok',
});

/** A QC job's scope after its first call: that call's row open, its answer held. */
async function jobAfterBaseCall(ticketId: number, jobId: string): Promise<AttemptScope> {
  const baseId = await beginAttempt(db.pool, {
    owner: 'test:1',
    agent: 'qc-worker',
    model: 'claude-haiku-4-5',
    purpose: 'grade',
    tier: 'base',
    ticketId,
    jobId,
    contextVersion: ctx.version,
    estInputTokens: 10_000,
    maxOutputTokens: 4096,
    estCostUsd: 0.03,
  });
  const held: HeldAnswer[] = [{ id: baseId, call: { ...call(0.002), attemptId: baseId } }];
  return {
    agent: 'qc-worker',
    ticketId,
    jobId,
    contextVersion: ctx.version,
    held,
    insert: qcStatements(db.pool).begin,
  };
}

const tierUp = (log: ReturnType<typeof attemptLog>, scope: AttemptScope) =>
  withAttemptScope(scope, () =>
    log.begin({
      model: MODEL,
      purpose: 'tier_up',
      tier: 'strong',
      maxTokens: 1024,
      input: ['system', [], [{ role: 'user', content: 'the ticket' }]],
    }),
  );

/** A prepare that takes the lane first: whatever arrives meanwhile waits for the next one. */
const holdLane = (ticketId: number) =>
  qcStatements(db.pool).prepare({
    ticketId,
    contextVersion: ctx.version,
    contextKey: key,
    first: undefined,
  });

/** A job's prepare, reserving its first call's row. */
const prepare = (ticketId: number, jobId: string) =>
  qcStatements(db.pool).prepare({
    ticketId,
    contextVersion: ctx.version,
    contextKey: key,
    first: {
      owner: 'test:1',
      agent: 'qc-worker',
      model: 'claude-haiku-4-5',
      purpose: 'grade',
      tier: 'base',
      jobId,
      maxOutputTokens: 4096,
      fixedChars: 30_000,
      inputRate: 1.25,
      outputRate: 5,
    },
  });

/** Rows per job id (LIKE `pattern`) and tier. */
async function rowsPerJob(pattern: string) {
  const r = await db.pool.query<{ job_id: string; tier: string; n: number }>(
    `SELECT job_id, tier, count(*)::int AS n FROM llm_attempts WHERE job_id LIKE $1
      GROUP BY job_id, tier ORDER BY job_id, tier`,
    [pattern],
  );
  return r.rows;
}

describe('tier-up attempt rows in the QC lane', () => {
  it('N concurrent tier-ups are inserted by one statement, each job getting its own row', async () => {
    const log = attemptLog(db.pool, prices, { owner: 'test:1' });
    const jobs = ids.slice(1, 9);
    const scopes = await Promise.all(jobs.map((t, i) => jobAfterBaseCall(t, `tu-${i}`)));
    const baseIds = scopes.map((s) => s.held?.[0]?.id as number);
    const { out, named, checkouts } = await counting(() =>
      Promise.all([holdLane(ids[0] as number), ...scopes.map((s) => tierUp(log, s))]),
    );
    const attempts = out.slice(1) as Awaited<ReturnType<typeof tierUp>>[];
    // One statement for the eight rows, on one checkout after the prepare's.
    expect(named('llm-attempt-begin')).toBe(1);
    expect(checkouts).toBe(2);
    const rows = await db.pool.query<{
      id: number;
      ticket_id: number;
      job_id: string;
      model: string;
      purpose: string;
      tier: string;
      state: string;
      est_cost_usd: string;
    }>(
      `SELECT id, ticket_id, job_id, model, purpose, tier, state, est_cost_usd FROM llm_attempts
        WHERE job_id LIKE 'tu-%' AND tier = 'strong'`,
    );
    expect(rows.rows).toHaveLength(jobs.length);
    expect(new Set(attempts.map((a) => a.id)).size).toBe(jobs.length);
    jobs.forEach((ticketId, i) => {
      // Committed when begin resolved: the call may go out, and a crash now still leaves the row.
      const row = rows.rows.find((r) => r.id === attempts[i]?.id);
      expect(row).toMatchObject({
        ticket_id: ticketId,
        job_id: `tu-${i}`,
        model: MODEL,
        purpose: 'tier_up',
        tier: 'strong',
        state: 'open',
      });
      expect(Number(row?.est_cost_usd)).toBeGreaterThan(0);
      // The held answer was written by the same statement, and is no longer held.
      expect(scopes[i]?.held).toEqual([]);
    });
    const base = await db.pool.query<{ id: number; state: string; call: LlmCall }>(
      'SELECT id, state, call FROM llm_attempts WHERE id = ANY($1)',
      [baseIds],
    );
    expect(base.rows).toHaveLength(jobs.length);
    for (const b of base.rows) {
      expect(b.state).toBe('answered');
      expect(b.call).toMatchObject({ costUsd: 0.002, attemptId: b.id });
    }
  });

  it('a tier-up whose row cannot be written fails alone, on a fresh connection', async () => {
    const log = attemptLog(db.pool, prices, { owner: 'test:1' });
    const jobs = ids.slice(9, 14);
    const scopes = await Promise.all(jobs.map((t, i) => jobAfterBaseCall(t, `tu-bad-${i}`)));
    // A ticket that does not exist: its row breaks llm_attempts' foreign key, and so the group's statement.
    const bad = await jobAfterBaseCall(ids[14] as number, 'tu-bad-x');
    bad.ticketId = 987_654;
    const { out, named, checkouts } = await counting(() =>
      Promise.allSettled([
        holdLane(ids[0] as number),
        ...[...scopes, bad].map((s) => tierUp(log, s)),
      ]),
    );
    const last = out.at(-1);
    expect(last?.status).toBe('rejected');
    expect(String((last as PromiseRejectedResult).reason)).toMatch(/foreign key/);
    for (const o of out.slice(1, -1)) expect(o.status).toBe('fulfilled');
    // The group's statement, then each member alone.
    expect(named('llm-attempt-begin')).toBe(1 + jobs.length + 1);
    // The prepare's; the group's, dropped with its error; a fresh one for the resends, dropped
    // after the bad member's.
    expect(checkouts).toBe(3);
    const rows = await db.pool.query<{ job_id: string; n: number }>(
      `SELECT job_id, count(*)::int AS n FROM llm_attempts
        WHERE job_id LIKE 'tu-bad-%' AND tier = 'strong' GROUP BY job_id ORDER BY job_id`,
    );
    // One row per good job (the failed group statement wrote nothing), none for the bad one.
    expect(rows.rows).toEqual(jobs.map((_, i) => ({ job_id: `tu-bad-${i}`, n: 1 })));
    for (const s of scopes) expect(s.held).toEqual([]);
    // The bad job's answer is still held, its row still open: recorded by its job, or the reconciler.
    expect(bad.held).toHaveLength(1);
    const open = await db.pool.query<{ state: string }>(
      'SELECT state FROM llm_attempts WHERE id = $1',
      [bad.held?.[0]?.id],
    );
    expect(open.rows[0]?.state).toBe('open');
  });

  it('a tier-up outside a QC job (no lane in its scope) still writes its own row', async () => {
    const log = attemptLog(db.pool, prices, { owner: 'test:1' });
    const scope = await jobAfterBaseCall(ids[15] as number, 'tu-alone');
    delete scope.insert;
    const { out, named } = await counting(() => tierUp(log, scope));
    expect(named('llm-attempt-begin')).toBe(1);
    const r = await db.pool.query('SELECT 1 FROM llm_attempts WHERE id = $1', [out.id]);
    expect(r.rowCount).toBe(1);
  });

  it('tier-ups that wait with prepares are inserted by the prepare statement itself', async () => {
    const log = attemptLog(db.pool, prices, { owner: 'test:1' });
    const preps = ids.slice(16, 20);
    const jobs = ids.slice(20, 26);
    const scopes = await Promise.all(jobs.map((t, i) => jobAfterBaseCall(t, `tp-t-${i}`)));
    const { out, named, checkouts } = await counting(() =>
      Promise.all([
        holdLane(ids[0] as number),
        ...preps.map((t, i) => prepare(t, `tp-p-${i}`)),
        ...scopes.map((s) => tierUp(log, s)),
      ]),
    );
    // The lane after the holding prepare: one statement for the four prepares and six rows.
    expect(named('qc-prepare-grades')).toBe(2);
    expect(named('llm-attempt-begin')).toBe(0);
    expect(checkouts).toBe(2);
    const prepared = out.slice(1, 1 + preps.length) as Awaited<ReturnType<typeof prepare>>[];
    const begun = out.slice(1 + preps.length) as Awaited<ReturnType<typeof tierUp>>[];
    preps.forEach((t, i) => {
      expect(prepared[i]).toMatchObject({ id: t, newer: false });
      expect(prepared[i]?.attemptId).toBeTypeOf('number');
    });
    const rows = await db.pool.query<{
      id: number;
      ticket_id: number;
      job_id: string;
      tier: string;
    }>(`SELECT id, ticket_id, job_id, tier FROM llm_attempts WHERE job_id LIKE 'tp-%'`);
    preps.forEach((t, i) => {
      const row = rows.rows.find((r) => r.id === prepared[i]?.attemptId);
      expect(row).toMatchObject({ ticket_id: t, job_id: `tp-p-${i}`, tier: 'base' });
    });
    jobs.forEach((t, i) => {
      const row = rows.rows.find((r) => r.id === begun[i]?.id);
      expect(row).toMatchObject({ ticket_id: t, job_id: `tp-t-${i}`, tier: 'strong' });
      expect(scopes[i]?.held).toEqual([]);
    });
    const base = await db.pool.query<{ state: string }>(
      `SELECT state FROM llm_attempts WHERE job_id LIKE 'tp-t-%' AND tier = 'base'`,
    );
    expect(base.rows.map((r) => r.state)).toEqual(jobs.map(() => 'answered'));
    expect(await rowsPerJob('tp-%')).toHaveLength(preps.length + 2 * jobs.length);
  });

  it('a bad tier-up in a prepare statement fails alone; the prepares reserve their rows once', async () => {
    const log = attemptLog(db.pool, prices, { owner: 'test:1' });
    const preps = ids.slice(26, 29);
    const jobs = ids.slice(29, 31);
    const scopes = await Promise.all(jobs.map((t, i) => jobAfterBaseCall(t, `tpb-t-${i}`)));
    const bad = await jobAfterBaseCall(ids[31] as number, 'tpb-t-x');
    bad.ticketId = 987_655;
    const { out, named } = await counting(() =>
      Promise.allSettled([
        holdLane(ids[0] as number),
        ...preps.map((t, i) => prepare(t, `tpb-p-${i}`)),
        ...[...scopes, bad].map((s) => tierUp(log, s)),
      ]),
    );
    const last = out.at(-1);
    expect(last?.status).toBe('rejected');
    expect(String((last as PromiseRejectedResult).reason)).toMatch(/foreign key/);
    for (const o of out.slice(0, -1)) expect(o.status).toBe('fulfilled');
    // The holding prepare; the group's statement, which fails; then each member alone, by its kind.
    expect(named('qc-prepare-grades')).toBe(1 + 1 + preps.length);
    expect(named('llm-attempt-begin')).toBe(jobs.length + 1);
    // The failed statement wrote nothing: one row per job, none for the bad one.
    expect(await rowsPerJob('tpb-%')).toEqual([
      ...preps.map((_, i) => ({ job_id: `tpb-p-${i}`, tier: 'base', n: 1 })),
      ...jobs.flatMap((_, i) => [
        { job_id: `tpb-t-${i}`, tier: 'base', n: 1 },
        { job_id: `tpb-t-${i}`, tier: 'strong', n: 1 },
      ]),
      { job_id: 'tpb-t-x', tier: 'base', n: 1 },
    ]);
    expect(bad.held).toHaveLength(1);
  });
});
