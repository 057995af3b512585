import { afterEach, describe, expect, it } from 'vitest';
import {
  BATCH_QUEUE,
  type BatchScheduler,
  startBatchScheduler,
} from '../../src/batches/scheduler.js';
import { createRedis } from '../../src/queue/connection.js';
import { waitFor } from '../helpers/pipeline.js';
import { type Harness, resultCounts, startHarness } from './harness.js';

let h: Harness | undefined;
const open: { scheduler: BatchScheduler; close: () => void }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.scheduler.close();
    o.close();
  }
  await h?.close();
  h = undefined;
});

/** What a worker process does at start (workers/qc-worker.ts). */
async function startProcess(harness: Harness): Promise<BatchScheduler> {
  const connection = createRedis(harness.p.config.REDIS_URL, 'worker');
  const scheduler = await startBatchScheduler(harness.p.rt, {
    connection,
    prefix: harness.p.config.QUEUE_PREFIX,
  });
  open.push({ scheduler, close: () => connection.disconnect() });
  return scheduler;
}

describe('nightly schedule', () => {
  it('three processes starting register one nightly schedule (QC_NIGHTLY_CRON in QC_TZ) and one poller', async () => {
    h = await startHarness({
      tickets: 0,
      env: {
        QC_NIGHTLY_CRON: '30 1 * * *',
        QC_TZ: 'America/New_York',
        QC_BATCH_POLL_INTERVAL: '45s',
      },
    });
    const [a] = await Promise.all([startProcess(h), startProcess(h), startProcess(h)]);
    const schedulers = await (a as BatchScheduler).queue.getJobSchedulers();
    expect(schedulers.map((s) => s.key).sort()).toEqual(['batch-nightly', 'batch-poll']);
    const nightly = schedulers.find((s) => s.key === 'batch-nightly');
    expect(nightly).toMatchObject({ pattern: '30 1 * * *', tz: 'America/New_York' });
    expect(schedulers.find((s) => s.key === 'batch-poll')?.every).toBe(45_000);
    const delayed = await (a as BatchScheduler).queue.getJobs(['delayed']);
    expect(delayed.filter((j) => j.name === 'nightly')).toHaveLength(1);
    expect((a as BatchScheduler).queue.name).toBe(BATCH_QUEUE);
  });

  it('the scheduled run submits, and the poller job collects every result', async () => {
    h = await startHarness({
      tickets: 12,
      env: { QC_NIGHTLY_CRON: '* * * * * *', QC_BATCH_POLL_INTERVAL: '200ms' },
    });
    await startProcess(h);
    const harness = h;
    await waitFor('12 results from the scheduled batch', async () => {
      const rows = await resultCounts(harness.db, harness.ids);
      return rows.length === 12 ? rows : undefined;
    });
    const runs = await h.db.pool.query<{ trigger: string; selected: number }>(
      'SELECT trigger, selected FROM batch_runs ORDER BY id LIMIT 1',
    );
    expect(runs.rows[0]).toEqual({ trigger: 'schedule', selected: 12 });
    const rows = await resultCounts(h.db, h.ids);
    expect(rows.every((r) => r.n === 1 && r.via === 'batch')).toBe(true);
  });
});
