import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ContextStore } from '../../src/context/store.js';
import type { Verdict } from '../../src/context/verdict.js';
import { prepareGrades } from '../../src/db/grade-write.js';
import { type QcContext, qcContextOf } from '../../src/qc/context.js';
import { saveGrade } from '../../src/qc/persist.js';
import { qcStatements } from '../../src/qc/statements.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { storeExamples } from '../helpers/pipeline.js';

/**
 * Issue 13: the prepare and grade statements of jobs running at once go out
 * grouped (src/qc/statements.ts, src/db/group.ts) — fewer statements than
 * jobs — and each job still gets only its own row, or its own error.
 * Statements are counted on the connections (`pg.Client#query`): a group's
 * prepare and write statements share one checkout (src/qc/statements.ts),
 * so they never pass through `pool.query`.
 */

let db: TestDb;
let ctx: QcContext;
let key: string;
let ids: number[];
beforeAll(async () => {
  db = await createTestDb();
  const store = new ContextStore(db.pool);
  ctx = qcContextOf(await store.active());
  key = store.last()?.key as string;
  ids = await storeExamples(db, 24);
});
afterAll(async () => {
  vi.restoreAllMocks();
  await db?.drop();
});

/** Statements named `name` sent through the pool while `fn` runs. */
async function counting<T>(name: string, fn: () => Promise<T>): Promise<{ out: T; n: number }> {
  const spy = vi.spyOn(pg.Client.prototype, 'query');
  try {
    const out = await fn();
    const n = spy.mock.calls.filter((c) => (c[0] as { name?: string }).name === name).length;
    return { out, n };
  } finally {
    spy.mockRestore();
  }
}

const first = (jobId: string) => ({
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
});

function verdictOf(score: number): Verdict {
  return {
    outcome: score >= 70 ? 'pass' : 'fail',
    score,
    criteria: ctx.vocab.criteria.map((c) => ({
      criterion: c.id,
      result: 'met',
      evidence: '',
      missing: '',
    })),
    missing_information: [],
    escalations: [],
    attributions: [],
    patterns: [],
    confidence: 0.9,
    summary: 'summary',
  } as Verdict;
}

const save = (ticketId: number, score: number, jobId: string) =>
  saveGrade(db.pool, {
    ticketId,
    ctx,
    outcome: {
      verdict: verdictOf(score),
      model: 'claude-haiku-4-5',
      tier: 'base',
      calls: [],
      failures: [],
    },
    jobId,
    via: 'realtime',
    latencyMs: 1,
  });

describe('grouped QC statements', () => {
  it('N concurrent prepares go out as fewer statements, each job getting its own row', async () => {
    const jobs = ids.slice(0, 12);
    const { out, n } = await counting('qc-prepare-grades', () =>
      Promise.all([
        ...jobs.map((ticketId, i) =>
          qcStatements(db.pool).prepare({
            ticketId,
            contextVersion: ctx.version,
            contextKey: key,
            first: first(`prep-${i}`),
          }),
        ),
        // A ticket that does not exist, in the same group: undefined for it alone.
        qcStatements(db.pool).prepare({
          ticketId: 987_654,
          contextVersion: ctx.version,
          contextKey: key,
          first: first('prep-missing'),
        }),
      ]),
    );
    // The first goes alone (one lane in flight); the twelve that arrived meanwhile go as one.
    expect(n).toBe(2);
    expect(out.at(-1)).toBeUndefined();
    const attempts = await db.pool.query<{ id: number; ticket_id: number; job_id: string }>(
      `SELECT id, ticket_id, job_id FROM llm_attempts WHERE job_id LIKE 'prep-%'`,
    );
    expect(attempts.rows).toHaveLength(jobs.length);
    jobs.forEach((ticketId, i) => {
      const p = out[i];
      expect(p).toMatchObject({ id: ticketId, newer: false, contextKey: key });
      const row = attempts.rows.find((a) => a.id === p?.attemptId);
      expect(row).toMatchObject({ ticket_id: ticketId, job_id: `prep-${i}` });
    });
  });

  it('one failing prepare fails alone; the others get their rows, reserved once', async () => {
    const jobs = ids.slice(12, 18);
    const out = await Promise.allSettled([
      ...jobs.map((ticketId, i) =>
        qcStatements(db.pool).prepare({
          ticketId,
          contextVersion: ctx.version,
          contextKey: key,
          first: first(`bad-prep-${i}`),
        }),
      ),
      // Out of BIGINT's range: PostgreSQL refuses the whole statement it is in.
      qcStatements(db.pool).prepare({
        ticketId: 1e20,
        contextVersion: ctx.version,
        contextKey: key,
        first: first('bad-prep-x'),
      }),
    ]);
    const bad = out.at(-1);
    expect(bad?.status).toBe('rejected');
    expect(String((bad as PromiseRejectedResult).reason)).toMatch(/out of range/);
    jobs.forEach((ticketId, i) => {
      expect(out[i]).toMatchObject({ status: 'fulfilled', value: { id: ticketId } });
    });
    // The failed group statement wrote nothing: one attempt row per job, from its retry alone.
    const r = await db.pool.query<{ job_id: string; n: number }>(
      `SELECT job_id, count(*)::int AS n FROM llm_attempts WHERE job_id LIKE 'bad-prep-%' GROUP BY job_id`,
    );
    expect(r.rows.map((x) => x.n)).toEqual(jobs.map(() => 1));
  });

  it('N concurrent grade writes go out as fewer statements; a bad one fails alone', async () => {
    const jobs = ids.slice(0, 12);
    const { out, n } = await counting('qc-write-grades', () =>
      Promise.allSettled(
        jobs.map((ticketId, i) =>
          // Job 5's score breaks qc_results' CHECK (0–100): its group fails, then each is sent alone.
          save(ticketId, i === 5 ? 150 : 60 + i, `save-${i}`),
        ),
      ),
    );
    // The first alone, the eleven that waited as one group that fails, then each of those alone.
    expect(n).toBe(1 + 1 + (jobs.length - 1));
    expect(out[5]?.status).toBe('rejected');
    expect(String((out[5] as PromiseRejectedResult).reason)).toMatch(/check constraint/);
    const stored = await db.pool.query<{
      id: number;
      ticket_id: number;
      score: number;
      job_id: string;
    }>(`SELECT id, ticket_id, score, job_id FROM qc_results WHERE job_id LIKE 'save-%'`);
    expect(stored.rows).toHaveLength(jobs.length - 1);
    jobs.forEach((ticketId, i) => {
      if (i === 5) return;
      const o = out[i];
      expect(o?.status).toBe('fulfilled');
      const saved = (o as PromiseFulfilledResult<Awaited<ReturnType<typeof save>>>).value;
      const row = stored.rows.find((r) => r.id === saved.resultId);
      expect(row).toMatchObject({ ticket_id: ticketId, score: 60 + i, job_id: `save-${i}` });
      expect(saved.duplicate).toBe(false);
    });

    // Without a bad member, twelve writes at once take two statements.
    const more = ids.slice(12, 24);
    const again = await counting('qc-write-grades', () =>
      Promise.all(more.map((ticketId, i) => save(ticketId, 80, `save2-${i}`))),
    );
    expect(again.n).toBe(2);
    const events = await db.pool.query<{ id: number; ticket_id: number; result_id: number }>(
      `SELECT id, ticket_id, result_id FROM agent_events WHERE job_id LIKE 'save2-%' AND kind = 'verdict'`,
    );
    more.forEach((ticketId, i) => {
      const saved = again.out[i];
      const ev = events.rows.filter((e) => e.ticket_id === ticketId);
      expect(ev.map((e) => e.id)).toEqual(saved?.eventIds);
      expect(ev[0]?.result_id).toBe(saved?.resultId);
    });
  });

  it('prepares and writes that wait together share one checkout; a bad write fails alone', async () => {
    const [w1, w2, ...rest] = ids.slice(0, 8) as number[];
    const writes = rest.slice(0, 3);
    const preps = rest.slice(3, 6);
    await db.pool.query('DELETE FROM qc_results WHERE ticket_id = ANY($1)', [ids.slice(0, 8)]);
    const connects = vi.spyOn(db.pool, 'connect');
    let out: PromiseSettledResult<unknown>[];
    let n: number;
    let checkouts: number;
    try {
      ({ out, n } = await counting('qc-prepare-grades', () =>
        Promise.allSettled([
          // The first write goes alone (one lane in flight); everything below waits for it.
          save(w1 as number, 70, 'lane-w1'),
          save(w2 as number, 70, 'lane-w2'),
          ...writes.map((ticketId, i) =>
            // The middle write breaks qc_results' CHECK (0–100): its kind's statement fails.
            save(ticketId, i === 1 ? 150 : 75, `lane-w-${i}`),
          ),
          ...preps.map((ticketId, i) =>
            qcStatements(db.pool).prepare({
              ticketId,
              contextVersion: ctx.version,
              contextKey: key,
              first: first(`lane-p-${i}`),
            }),
          ),
        ]),
      ));
      checkouts = connects.mock.calls.length;
    } finally {
      connects.mockRestore();
    }
    // One prepare statement for the three prepares, in the same checkout as the writes' group.
    expect(n).toBe(1);
    // w1 alone, then one group of the four other writes and the three prepares on one checkout;
    // its write statement fails, and the connection that saw the error is dropped: the four
    // writes are sent again, each alone, on a fresh one, and the bad write's error drops that
    // one too before the last write: 1 + 1 + 2 checkouts.
    expect(checkouts).toBe(4);
    expect(String((out[3] as PromiseRejectedResult).reason)).toMatch(/check constraint/);
    for (const i of [0, 1, 2, 4]) expect(out[i]?.status).toBe('fulfilled');
    preps.forEach((ticketId, i) => {
      expect(out[5 + i]).toMatchObject({ status: 'fulfilled', value: { id: ticketId } });
    });
    const stored = await db.pool.query<{ ticket_id: number; job_id: string }>(
      `SELECT ticket_id, job_id FROM qc_results WHERE job_id LIKE 'lane-w%' ORDER BY job_id`,
    );
    expect(stored.rows.map((r) => r.job_id)).toEqual([
      'lane-w-0',
      'lane-w-2',
      'lane-w1',
      'lane-w2',
    ]);
    // The prepares' statement committed once: one attempt row per prepare, none repeated.
    const att = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM llm_attempts WHERE job_id LIKE 'lane-p-%'`,
    );
    expect(att.rows[0]?.n).toBe(preps.length);
  });

  it('a connection lost under the prepares does not take the same group’s writes with it', async () => {
    const [w1, ...rest] = ids.slice(8, 14) as number[];
    const writes = rest.slice(0, 3);
    const preps = rest.slice(3, 5);
    await db.pool.query('DELETE FROM qc_results WHERE ticket_id = ANY($1)', [ids.slice(8, 14)]);
    // The prepare statement of the group finds its backend gone: the socket is destroyed as it
    // is sent, and pg fails it (and anything else on that client) with a connection error.
    const query = pg.Client.prototype.query;
    let killed = 0;
    const spy = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (
      this: pg.Client,
      ...args: unknown[]
    ) {
      const q = args[0] as { name?: string };
      if (q?.name === 'qc-prepare-grades' && killed++ === 0)
        (
          this as unknown as { connection: { stream: { destroy(): void } } }
        ).connection.stream.destroy();
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query);
    let out: PromiseSettledResult<unknown>[];
    try {
      out = await Promise.allSettled([
        save(w1 as number, 70, 'lost-w1'),
        ...writes.map((ticketId, i) => save(ticketId, 72, `lost-w-${i}`)),
        ...preps.map((ticketId, i) =>
          qcStatements(db.pool).prepare({
            ticketId,
            contextVersion: ctx.version,
            contextKey: key,
            first: first(`lost-p-${i}`),
          }),
        ),
      ]);
    } finally {
      spy.mockRestore();
    }
    expect(killed).toBeGreaterThan(0);
    // The prepares met the lost connection (the job is put back, src/qc/resilience.ts)...
    for (const o of out.slice(4)) expect(o.status).toBe('rejected');
    // ...and every write, in the same group or not, was stored, on a fresh connection.
    for (const o of out.slice(0, 4)) expect(o.status).toBe('fulfilled');
    const stored = await db.pool.query<{ job_id: string }>(
      `SELECT job_id FROM qc_results WHERE job_id LIKE 'lost-w%' ORDER BY job_id`,
    );
    expect(stored.rows.map((r) => r.job_id)).toEqual([
      'lost-w-0',
      'lost-w-1',
      'lost-w-2',
      'lost-w1',
    ]);
  });

  it('refuses a multi-row statement that names a ticket twice (answers are matched by ticket)', async () => {
    const p = {
      ticketId: ids[0] as number,
      contextVersion: ctx.version,
      contextKey: key,
      first: undefined,
    };
    await expect(prepareGrades(db.pool, [p, p])).rejects.toThrow(/names a ticket twice/);
  });

  it('two writes of the same ticket never share a statement: one result, one duplicate', async () => {
    const [o1, o2, ticketId, between] = ids.slice(18, 22) as [number, number, number, number];
    await db.pool.query('DELETE FROM qc_results WHERE ticket_id = ANY($1)', [
      [o1, o2, ticketId, between],
    ]);
    const spy = vi.spyOn(pg.Client.prototype, 'query');
    let groups: number[][];
    let out: Awaited<ReturnType<typeof save>>[];
    try {
      // o1 goes alone (one lane in flight); the four that wait would be one group, but the same
      // ticket twice may not share one: the second write of `ticketId` goes in a group after.
      out = await Promise.all([
        save(o1, 90, 'dup-o1'),
        save(o2, 90, 'dup-o2'),
        save(ticketId, 90, 'dup-a'),
        save(between, 90, 'dup-x'),
        save(ticketId, 91, 'dup-b'),
      ]);
      groups = spy.mock.calls
        .map((c) => c[0] as { name?: string; values?: unknown[] })
        .filter((q) => q.name === 'qc-write-grades')
        .map((q) =>
          (JSON.parse(String(q.values?.[0])) as { tid: number }[]).map((m) => m.tid).sort(),
        );
    } finally {
      spy.mockRestore();
    }
    expect(groups).toEqual([[o1], [o2, ticketId, between].sort(), [ticketId]]);
    expect([out[2]?.duplicate, out[4]?.duplicate].sort()).toEqual([false, true]);
    const r = await db.pool.query('SELECT job_id FROM qc_results WHERE ticket_id = $1', [ticketId]);
    expect(r.rows).toHaveLength(1);
  });
});
