import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QC_QUEUE, QcJobData } from '../../src/queue/jobs.js';
import { type ScheduleSettings, scheduleGrades } from '../../src/queue/schedule.js';
import { sha256Hex } from '../../src/ticket/hash.js';
import { cleanPrefix, testPrefix } from '../helpers/redis.js';
import { REDIS_URL } from '../helpers/urls.js';

/**
 * The QC job's payload is checked when it is queued. Intake's payloads are
 * checked by hand on the hot path and by zod otherwise: either way a job
 * carries exactly what `QcJobData.parse` gives, and a payload zod refuses is
 * refused with zod's error (the whole call, as before) and queues nothing.
 */

const prefix = testPrefix();
let redis: Redis;
let queue: Queue;
const settings: ScheduleSettings = {
  gradeOn: ['solved'],
  debounceMs: 60_000,
  catalog: { attempts: 3, failedRetentionMs: 86_400_000 },
};

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue(QC_QUEUE, { connection: redis, prefix });
});
afterAll(async () => {
  await queue.close();
  redis.disconnect();
  await cleanPrefix(prefix);
});

describe('scheduleGrades payloads', () => {
  it('queues what QcJobData.parse gives, and refuses what it refuses', async () => {
    const hash = (s: string) => sha256Hex(s);
    const good = {
      ticketId: 7,
      contentHash: hash('a'),
      contextVersion: hash('ctx'),
      via: 'realtime' as const,
    };
    // An extra member (dropped by zod) and an omitted `via` (zod's default) take zod's path.
    const extra = { ...good, ticketId: 8, contentHash: hash('b'), note: 'dropped' };
    const { via: _via, ...noVia } = { ...good, ticketId: 9, contentHash: hash('c') };
    const bad = [
      { ...good, ticketId: 10, contentHash: 'not-a-hash' },
      { ...good, ticketId: 0, contentHash: hash('d') },
      { ...good, ticketId: 1.5, contentHash: hash('e') },
      { ...good, ticketId: 12, contentHash: hash('f'), via: 'email' },
    ];
    const valid = [good, extra, noVia];
    const results = await scheduleGrades(
      queue,
      valid.map((data, i) => ({
        data: data as QcJobData,
        key: { source: 'generic', externalId: `T-${i}` },
      })),
      settings,
    );
    for (const [i, data] of valid.entries()) {
      const r = results[i];
      if (!r || 'error' in r) throw new Error(`not queued: ${JSON.stringify(data)}`);
      const job = await queue.getJob(r.jobId);
      const expected = QcJobData.parse(data);
      expect(job?.data).toStrictEqual(expected);
      expect(JSON.stringify(job?.data)).toBe(JSON.stringify(expected));
    }
    // A payload zod refuses fails alone, with zod's error, and queues nothing; the valid
    // request beside it in the same call is queued.
    for (const [i, data] of bad.entries()) {
      expect(QcJobData.safeParse(data).success).toBe(false);
      const beside = { ...good, ticketId: 100 + i, contentHash: hash(`ok-${i}`) };
      const [r, ok] = await scheduleGrades(
        queue,
        [
          { data: data as QcJobData, key: { source: 'generic', externalId: `B-${i}` } },
          { data: beside, key: { source: 'generic', externalId: `OK-${i}` } },
        ],
        settings,
      );
      expect(r && 'error' in r ? r.error.name : 'queued').toBe('ZodError');
      expect(ok && 'jobId' in ok ? ok.outcome : ok).toBe('added');
    }
    expect(await queue.getJobCountByTypes('delayed', 'waiting')).toBe(valid.length + bad.length);
  });
});
