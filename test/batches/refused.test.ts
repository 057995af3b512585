import { describe, expect, it } from 'vitest';
import { type BatchRequest, BODY_ENVELOPE_BYTES, requestBytes } from '../../src/batches/params.js';
import { runBatch } from '../../src/batches/run.js';
import {
  type Harness,
  REALTIME_FOLLOWUPS,
  resultCounts,
  runUntilCrash,
  startHarness,
  submittedBatches,
} from './harness.js';

let h: Harness | undefined;

const TICKETS = 4;

/** The run's first-round chunk mapped (nothing sent yet); returns its size in bytes. */
async function plannedBytes(x: Harness): Promise<number> {
  await runUntilCrash(x, { point: 'after-mapping' });
  const r = await x.db.pool.query<{ bytes: number }>(
    'SELECT bytes::int AS bytes FROM batch_chunks WHERE round = 1',
  );
  expect(r.rows).toHaveLength(1);
  return (r.rows[0] as { bytes: number }).bytes;
}

const waitRun = (x: Harness) =>
  runBatch(x.deps({ followups: REALTIME_FOLLOWUPS }), {
    via: 'batches',
    trigger: 'cli',
    wait: true,
    pollMs: 50,
  });

describe('a first-round chunk the API refuses at create', () => {
  it('413 request_too_large: split in halves until it fits, every ticket graded once at batch price', async () => {
    h = await startHarness({ tickets: TICKETS });
    const bytes = await plannedBytes(h);
    // The API takes half of this chunk, not all of it.
    h.sim.setOptions({ batch: { maxBytes: Math.ceil(bytes * 0.6) } });
    await waitRun(h);

    // The refused body, then its two halves; each ticket in exactly one accepted batch.
    const sent = submittedBatches(h.sim);
    expect(sent.map((b) => b.length)).toEqual([TICKETS, TICKETS / 2, TICKETS / 2]);
    const accepted = sent.slice(1).flat();
    expect(accepted.every((r) => r.params.model === h?.p.config.QC_MODEL)).toBe(true);
    const ticketOf = (customId: string) => Number(/^t(\d+)-c\d+$/.exec(customId)?.[1]);
    expect(accepted.map((r) => ticketOf(r.custom_id)).sort((a, b) => a - b)).toEqual(
      [...h.ids].sort((a, b) => a - b),
    );

    const graded = await resultCounts(h.db, h.ids);
    expect(graded).toHaveLength(TICKETS);
    expect(graded.every((r) => r.n === 1 && r.via === 'batch')).toBe(true);
    for (const id of h.ids) {
      const calls = await h.db.pool.query<{ batch: boolean; n: number }>(
        `SELECT coalesce(details->>'batch' = 'true', false) AS batch, count(*)::int AS n
         FROM agent_events WHERE kind = 'llm_call' AND ticket_id = $1 AND purpose = 'batch'
         GROUP BY 1`,
        [id],
      );
      expect(calls.rows).toEqual([{ batch: true, n: 1 }]);
    }

    const chunks = await h.db.pool.query<{ id: number; status: string; request_count: number }>(
      'SELECT id, status, request_count FROM batch_chunks WHERE round = 1 ORDER BY id',
    );
    expect(chunks.rows.map(({ status, request_count }) => ({ status, request_count }))).toEqual([
      { status: 'collected', request_count: TICKETS / 2 },
      { status: 'collected', request_count: TICKETS / 2 },
    ]);
    // custom_ids still name their chunk.
    const reqs = await h.db.pool.query<{ custom_id: string; chunk_id: number; state: string }>(
      'SELECT custom_id, chunk_id, state FROM batch_requests',
    );
    expect(reqs.rows).toHaveLength(TICKETS);
    for (const r of reqs.rows) {
      expect(r.custom_id).toMatch(new RegExp(`-c${r.chunk_id}$`));
      expect(r.state).toBe('graded');
    }
    expect(h.p.logs.some((l) => l.msg === 'batch too large for the API: split in two')).toBe(true);

    // Nothing for a later run to pick up again.
    const again = await runBatch(h.deps(), { via: 'batches', trigger: 'cli' });
    expect(again.mapped).toBe(0);
  });

  it('413 split where the new chunk id gains a digit: each half records the size of the body it sends', async () => {
    h = await startHarness({ tickets: TICKETS });
    // The run's chunk gets id 9, so the half split off it is chunk 10: its custom_ids grow by a byte each.
    await h.db.pool.query(`SELECT setval(pg_get_serial_sequence('batch_chunks', 'id'), 8)`);
    const bytes = await plannedBytes(h);
    h.sim.setOptions({ batch: { maxBytes: Math.ceil(bytes * 0.6) } });
    await waitRun(h);

    const sent = submittedBatches(h.sim);
    expect(sent.map((b) => b.length)).toEqual([TICKETS, TICKETS / 2, TICKETS / 2]);
    const chunks = await h.db.pool.query<{ id: number; bytes: number }>(
      'SELECT id::int AS id, bytes::int AS bytes FROM batch_chunks ORDER BY id',
    );
    expect(chunks.rows.map((c) => c.id)).toEqual([9, 10]);
    // The body each half was accepted with, counted as every chunk's size is (params.ts): the
    // requests as the simulator received them, serialized again.
    const chunkOf = (b: { custom_id: string }[]) =>
      Number(/-c(\d+)$/.exec(b[0]?.custom_id ?? '')?.[1]);
    const sizeOf = (b: unknown[]) =>
      b.reduce<number>((n, r) => n + requestBytes(r as BatchRequest), BODY_ENVELOPE_BYTES);
    const accepted = new Map(sent.slice(1).map((b) => [chunkOf(b), sizeOf(b)]));
    expect(chunks.rows).toEqual([
      { id: 9, bytes: accepted.get(9) },
      { id: 10, bytes: accepted.get(10) },
    ]);
  });

  it('413 for a single request: that one fails with the API error, as before', async () => {
    h = await startHarness({ tickets: TICKETS });
    h.sim.setOptions({ batch: { maxBytes: 1_000 } });
    await waitRun(h);

    // 4 → 2 + 2 → 1 + 1 + 1 + 1, each refused.
    expect(submittedBatches(h.sim).map((b) => b.length)).toEqual([4, 2, 2, 1, 1, 1, 1]);
    const chunks = await h.db.pool.query<{ status: string; error: string }>(
      'SELECT status, error FROM batch_chunks ORDER BY id',
    );
    expect(chunks.rows).toHaveLength(TICKETS);
    for (const c of chunks.rows) {
      expect(c.status).toBe('failed');
      expect(c.error).toMatch(/request_too_large|too large/i);
    }
    const reqs = await h.db.pool.query<{ state: string; n: number }>(
      'SELECT state, count(*)::int AS n FROM batch_requests GROUP BY 1',
    );
    expect(reqs.rows).toEqual([{ state: 'failed', n: TICKETS }]);
    expect(await resultCounts(h.db, h.ids)).toEqual([]);
  });

  it('any other refusal (400): the chunk fails whole, as before', async () => {
    h = await startHarness({ tickets: TICKETS });
    h.sim.injectError({
      type: 'invalid_request_error',
      method: 'POST',
      path: '/v1/messages/batches',
      message: 'requests.0.params: injected refusal',
    });
    await waitRun(h);

    expect(submittedBatches(h.sim).map((b) => b.length)).toEqual([TICKETS]);
    const chunks = await h.db.pool.query<{ status: string; error: string }>(
      'SELECT status, error FROM batch_chunks',
    );
    expect(chunks.rows).toHaveLength(1);
    expect(chunks.rows[0]?.status).toBe('failed');
    expect(chunks.rows[0]?.error).toMatch(/injected refusal/);
    const reqs = await h.db.pool.query<{ state: string; n: number }>(
      'SELECT state, count(*)::int AS n FROM batch_requests GROUP BY 1',
    );
    expect(reqs.rows).toEqual([{ state: 'failed', n: TICKETS }]);
  });
});
