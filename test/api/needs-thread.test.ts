import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseExpiredThreadWaits } from '../../src/db/threads.js';
import { reconcileOnce } from '../../src/qc/reconcile.js';
import { scheduleSettingsOf } from '../../src/queue/schedule.js';
import { deliver, fixture, type Harness, jobsOf, startHarness, ticketRows } from './helpers.js';

/**
 * A ticket whose conversation is missing (a Zendesk event without the Tickets
 * API) is not graded into a `cannot_judge` escalation: it waits in
 * 'needs_thread', counted in /metrics, until a webhook brings the thread —
 * or QC_NEEDS_THREAD_TIMEOUT passes and it is graded as it is.
 */

const solved = (id: string) =>
  fixture('zendesk/status-changed.json')
    .replaceAll('"5158"', `"${id}"`)
    .replace('zen:ticket:5158', `zen:ticket:${id}`)
    .replace('cbe4028c-7239', `${id}-7239`);

/** The documented comment_added event, on ticket `id`, solved, after the status change. */
const commentOn = (id: string) =>
  fixture('zendesk/comment-added.json')
    .replaceAll('"5171"', `"${id}"`)
    .replace('zen:ticket:5171', `zen:ticket:${id}`)
    .replace('"OPEN"', '"SOLVED"')
    .replace('4a1e5f7c-05a8', `${id}-05a8`);

async function metric(h: Harness, source: string): Promise<number | undefined> {
  const text = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
  const m = new RegExp(`^ticketqc_tickets_needs_thread\\{source="${source}"\\} (\\d+)$`, 'm').exec(
    text,
  );
  return m ? Number(m[1]) : undefined;
}

describe('needs thread', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('a solved ticket without its thread waits instead of being graded; a comment webhook completes it', async () => {
    const first = await deliver(h, 'zendesk', solved('7101'));
    expect(first.statusCode, first.body).toBe(202);
    expect(first.json().grading).toBe('needs_thread');
    let rows = (await ticketRows(h, 'zendesk')).filter((r) => r.external_id === '7101');
    expect(rows.map((r) => r.qc_status)).toEqual(['needs_thread']);
    expect(await jobsOf(h)).toHaveLength(0);
    expect(await metric(h, 'zendesk')).toBe(1);

    // A redelivery under another id changes nothing and does not restart the clock.
    const again = await deliver(h, 'zendesk', solved('7101').replace('7101-7239', '7101-7240'));
    expect(again.json()).toMatchObject({ newVersion: false, grading: 'needs_thread' });

    const comment = await deliver(h, 'zendesk', commentOn('7101'));
    expect(comment.statusCode, comment.body).toBe(202);
    expect(comment.json().grading).toBe('scheduled');
    rows = (await ticketRows(h, 'zendesk')).filter((r) => r.external_id === '7101');
    expect(rows.map((r) => r.qc_status)).toEqual(['superseded', 'queued']);
    const t = rows[1]?.ticket as { comments: unknown[]; threadIncomplete: boolean };
    expect(t.comments).toHaveLength(1);
    expect(t.threadIncomplete).toBe(true);
    expect(await metric(h, 'zendesk')).toBeUndefined();
  });

  it('a thread that never comes: graded as it is after the timeout, through the reconciler', async () => {
    const res = await deliver(h, 'zendesk', solved('7102'));
    expect(res.json().grading).toBe('needs_thread');
    // Not yet: the wait is younger than an hour.
    expect(await releaseExpiredThreadWaits(h.db.pool, 3_600_000)).toBe(0);
    expect(await releaseExpiredThreadWaits(h.db.pool, 0)).toBe(1);
    const row = (await ticketRows(h, 'zendesk')).find((r) => r.external_id === '7102');
    expect(row?.qc_status).toBe('stored');
    const stats = await reconcileOnce({
      pool: h.db.pool,
      queue: h.queue,
      contexts: h.contexts,
      settings: scheduleSettingsOf(h.config),
      logger: (await import('pino')).pino({ level: 'silent' }),
    });
    expect(stats.enqueued).toBe(1);
    expect((await jobsOf(h)).map((j) => j.data.ticketId)).toContain(row?.id);
  });

  it('thread-less updates keep the first wait’s start: the timeout cannot be postponed for ever', async () => {
    const first = await deliver(h, 'zendesk', solved('7103'));
    expect(first.json().grading).toBe('needs_thread');
    const since = async () =>
      (
        await h.db.pool.query<{ qc_status: string; since: Date | null }>(
          `SELECT qc_status, needs_thread_since AS since FROM tickets
            WHERE source = 'zendesk' AND external_id = '7103' ORDER BY id`,
        )
      ).rows;
    const [v1] = await since();
    // A later thread-less update of the same ticket (another version).
    const later = solved('7103')
      .replace('7103-7239', '7103-7241')
      .replace(/"updated_at":\s*"[^"]+"/, '"updated_at": "2026-10-05T11:41:55Z"')
      .replace(/"time":\s*"[^"]+"/, `"time": "${new Date().toISOString()}"`);
    const second = await deliver(h, 'zendesk', later);
    expect(second.json()).toMatchObject({ newVersion: true, grading: 'needs_thread' });
    const rows = await since();
    expect(rows.map((r) => r.qc_status)).toEqual(['superseded', 'needs_thread']);
    expect(rows[1]?.since?.toISOString()).toBe(v1?.since?.toISOString());
  });
});
