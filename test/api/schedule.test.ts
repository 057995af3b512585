import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  deliver,
  genericVersion,
  type Harness,
  jobsOf,
  resultsByTicket,
  signedHeaders,
  startGrader,
  startHarness,
  ticketRows,
  waitFor,
} from './helpers.js';

/**
 * When to grade: only grading statuses, debounced, only the latest version;
 * every version stored; re-opened and re-solved → graded again; duplicate
 * deliveries → one result. Grades are real: the lead's QC worker against the
 * Anthropic simulator.
 */

let sim: Simulator;
let h: Harness;
let grader: Awaited<ReturnType<typeof startGrader>> | undefined;

beforeAll(async () => {
  sim = await startSimulator({ seed: 3, noise: 0 });
});
afterAll(() => sim.close());
afterEach(async () => {
  await grader?.close();
  grader = undefined;
  await h?.close();
});

/** No job waiting, delayed or running: nothing more can be graded. */
async function queueDrained(h: Harness): Promise<boolean> {
  const c = await h.queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
  return Object.values(c).every((n) => n === 0);
}

async function send(id: string, n: number, status: string) {
  const res = await deliver(h, 'generic', genericVersion(id, n, status));
  expect(res.statusCode, res.body).toBe(202);
  return res.json() as { ticketId: number; grading: string };
}

describe('debounce and latest version', () => {
  it('five versions within the debounce window → one job, one grade, of the last version', async () => {
    h = await startHarness({ env: { QC_DEBOUNCE: '1500ms' } });
    const sent = [];
    for (const [n, status] of [
      [1, 'open'],
      [2, 'solved'],
      [3, 'solved'],
      [4, 'closed'],
      [5, 'closed'],
    ] as const) {
      sent.push(await send('T-5V', n, status));
    }
    const last = sent.at(-1);
    expect((await ticketRows(h)).map((r) => r.status)).toEqual([
      'open',
      'solved',
      'solved',
      'closed',
      'closed',
    ]);
    const jobs = await jobsOf(h);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.data.ticketId).toBe(last?.ticketId);
    expect(await jobs[0]?.getState()).toBe('delayed');

    grader = await startGrader(h, sim.url);
    const results = await waitFor('a grade', async () => {
      const r = await resultsByTicket(h);
      return r.size > 0 ? r : undefined;
    });
    // Nothing else may follow: the queue holds no job still to run.
    await waitFor('the queue to drain', async () => queueDrained(h));
    expect([...(await resultsByTicket(h)).entries()]).toEqual([[last?.ticketId, 1]]);
    expect(results.get(last?.ticketId ?? 0)).toBe(1);
    const qc = (await ticketRows(h)).map((r) => r.qc_status);
    expect(qc).toEqual(['superseded', 'superseded', 'superseded', 'superseded', 'graded']);
  });

  it('a version in a non-grading status is stored, not queued; re-opening cancels a waiting grade', async () => {
    h = await startHarness({ env: { QC_DEBOUNCE: '1h' } });
    const open = await send('T-OPEN', 1, 'pending');
    expect(open.grading).toBe('not_a_grading_status');
    expect(await jobsOf(h)).toHaveLength(0);
    expect((await ticketRows(h))[0]?.qc_status).toBe('skipped');

    expect((await send('T-REOPEN', 1, 'solved')).grading).toBe('scheduled');
    expect(await jobsOf(h)).toHaveLength(1);
    expect((await send('T-REOPEN', 2, 'open')).grading).toBe('not_a_grading_status');
    expect(await jobsOf(h)).toHaveLength(0);
  });

  it('a version that arrives after a newer one is stored but never replaces it', async () => {
    h = await startHarness({ env: { QC_DEBOUNCE: '1h' } });
    const newer = await send('T-OOO', 5, 'solved');
    const older = await send('T-OOO', 3, 'closed');
    expect(older.grading).toBe('superseded');
    const jobs = await jobsOf(h);
    expect(jobs.map((j) => j.data.ticketId)).toEqual([newer.ticketId]);
  });

  it('re-opened and re-solved → graded again, for the new version', async () => {
    h = await startHarness({ env: { QC_DEBOUNCE: '300ms' } });
    grader = await startGrader(h, sim.url);
    const first = await send('T-AGAIN', 1, 'solved');
    await waitFor('first grade', async () => (await resultsByTicket(h)).get(first.ticketId));
    await send('T-AGAIN', 2, 'open');
    const again = await send('T-AGAIN', 3, 'solved');
    await waitFor('second grade', async () => (await resultsByTicket(h)).get(again.ticketId));
    expect([...(await resultsByTicket(h)).entries()].sort()).toEqual([
      [first.ticketId, 1],
      [again.ticketId, 1],
    ]);
  });
});

describe('duplicate deliveries', () => {
  it('the same delivery retried, and the same content under another delivery id → one version, one job, one result', async () => {
    h = await startHarness({ env: { QC_DEBOUNCE: '300ms' } });
    const body = genericVersion('T-DUP', 1, 'closed');
    const headers = { ...signedHeaders('generic', body), 'x-delivery-id': 'delivery-1' };
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push((await deliver(h, 'generic', body, headers)).json());
    answers.push(
      (await deliver(h, 'generic', body, { ...headers, 'x-delivery-id': 'delivery-2' })).json(),
    );
    expect(answers.map((a) => a.grading)).toEqual([
      'scheduled',
      'duplicate_delivery',
      'duplicate_delivery',
      'scheduled',
    ]);
    expect(new Set(answers.map((a) => a.ticketId)).size).toBe(1);
    expect(await ticketRows(h)).toHaveLength(1);
    const deliveries = await h.db.pool.query(
      'SELECT delivery_id, new_version FROM webhook_deliveries ORDER BY id',
    );
    expect(deliveries.rows).toEqual([
      { delivery_id: 'delivery-1', new_version: true },
      { delivery_id: 'delivery-2', new_version: false },
    ]);
    expect(await jobsOf(h)).toHaveLength(1);

    grader = await startGrader(h, sim.url);
    const id = answers[0].ticketId as number;
    await waitFor('the grade', async () => (await resultsByTicket(h)).get(id));
    // Redelivered after grading: acknowledged, nothing queued, still one result.
    const late = (
      await deliver(h, 'generic', body, { ...headers, 'x-delivery-id': 'delivery-3' })
    ).json();
    expect(late.grading).toBe('already_graded');
    await waitFor('the queue to drain', async () => queueDrained(h));
    expect([...(await resultsByTicket(h)).entries()]).toEqual([[id, 1]]);
  });
});
