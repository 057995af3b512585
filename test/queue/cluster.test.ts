import { randomBytes } from 'node:crypto';
import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { Queue, type Worker } from 'bullmq';
import type { Cluster } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { RateLimiter } from '../../src/llm/rate-limiter.js';
import { reconcileOnce } from '../../src/qc/reconcile.js';
import { startQcWorker } from '../../src/qc/worker.js';
import { createRedis, type RedisClient, redisTargetOf } from '../../src/queue/connection.js';
import { QC_QUEUE } from '../../src/queue/jobs.js';
import { readEvictionPolicy } from '../../src/queue/redis-policy.js';
import { scheduleSettingsOf } from '../../src/queue/schedule.js';
import { createRuntime } from '../../src/runtime.js';
import { takeRateSlot } from '../../src/writeback/rate.js';
import { testConfig } from '../helpers/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { storeExamples, waitFor } from '../helpers/pipeline.js';
import {
  cleanClusterPrefix,
  type PrivateCluster,
  startPrivateCluster,
} from '../helpers/private-cluster.js';

/**
 * Issue 10: the fleet on a 3-master Redis Cluster (REDIS_CLUSTER_NODES). The
 * queue prefix must be hash-tagged; BullMQ, the reconciler, the model-call
 * rate limiter (a single-key Lua script), the write-back rate limit and the
 * eviction-policy check (every master) all work on it.
 */

let cluster: PrivateCluster;
let admin: Cluster;
let db: TestDb;
let sim: Simulator;

beforeAll(async () => {
  [cluster, db, sim] = await Promise.all([
    startPrivateCluster(),
    createTestDb(),
    startSimulator({ seed: 5, noise: 0 }),
  ]);
  admin = cluster.client();
});
afterAll(async () => {
  admin?.disconnect();
  await cluster?.stop();
  await db?.drop();
  await sim?.close();
});

describe('the cluster setting', () => {
  it('refuses a QUEUE_PREFIX without a hash tag, with a config error saying what to set', () => {
    for (const prefix of ['ticket-qc', 'a{}b', 'x}{y']) {
      expect(() =>
        loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7001', QUEUE_PREFIX: prefix }),
      ).toThrow(ConfigError);
    }
    expect(() =>
      loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', QUEUE_PREFIX: 'ticket-qc' }),
    ).toThrow(/hash tag.*QUEUE_PREFIX=\{ticket-qc\}/s);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'no-port' })).toThrow(/host:port/);
    const c = loadConfig({
      REDIS_CLUSTER_NODES: ' 127.0.0.1:7000, 127.0.0.1:7001 ',
      QUEUE_PREFIX: '{ticket-qc}',
    });
    expect(c.REDIS_CLUSTER_NODES).toEqual(['127.0.0.1:7000', '127.0.0.1:7001']);
    // Without a cluster any prefix goes, and the setting is empty.
    expect(loadConfig({ QUEUE_PREFIX: 'ticket-qc' }).REDIS_CLUSTER_NODES).toEqual([]);
  });

  it('reads maxmemory-policy on every master', async () => {
    const client = createRedis({ url: cluster.url, clusterNodes: cluster.nodes }, 'producer');
    try {
      expect(await readEvictionPolicy(client)).toEqual({ policies: ['noeviction'], safe: true });
      const [, second] = admin.nodes('master');
      await second?.config('SET', 'maxmemory-policy', 'allkeys-lru');
      expect(await readEvictionPolicy(client)).toEqual({
        policies: ['allkeys-lru', 'noeviction'],
        safe: false,
      });
      await second?.config('SET', 'maxmemory-policy', 'noeviction');
    } finally {
      client.disconnect();
    }
  });
});

describe('grading through a Redis Cluster', () => {
  it('grades tickets queued by the reconciler; the rate limits keep their keys on the cluster', async () => {
    const prefix = `{tqc-cluster-${randomBytes(3).toString('hex')}}`;
    const config = testConfig({
      DATABASE_URL: db.url,
      ANTHROPIC_BASE_URL: sim.url,
      QUEUE_PREFIX: prefix,
      QC_SHADOW_RATE: '0',
      QC_DEBOUNCE: '0',
      REDIS_URL: cluster.url,
      REDIS_CLUSTER_NODES: cluster.nodes.join(','),
    });
    const rt = createRuntime(config, { logger: pino({ level: 'silent' }), pool: db.pool });
    const clients: RedisClient[] = [];
    const producer = createRedis(redisTargetOf(config), 'producer');
    const connection = createRedis(redisTargetOf(config), 'worker');
    clients.push(producer, connection);
    const queue = new Queue(QC_QUEUE, { connection: producer, prefix });
    let worker: Worker | undefined;
    try {
      const ids = await storeExamples(db, 4);
      const stats = await reconcileOnce({
        pool: db.pool,
        queue,
        contexts: rt.contexts,
        settings: scheduleSettingsOf(config),
        logger: rt.logger,
      });
      expect(stats.enqueued).toBe(ids.length);
      worker = await startQcWorker(rt, { connection, prefix, concurrency: 2 });
      await waitFor(
        'every ticket graded',
        async () =>
          (
            await db.pool.query<{ n: number }>(
              'SELECT count(DISTINCT ticket_id)::int AS n FROM qc_results WHERE ticket_id = ANY($1)',
              [ids],
            )
          ).rows[0]?.n === ids.length,
        60_000,
      );
      expect(await queue.getFailedCount()).toBe(0);

      // The model-call limiter's Lua script and the write-back window: one key each, any slot.
      const limiter = new RateLimiter({ redis: producer, prefix });
      await limiter.rateLimited('claude-test', new Headers({ 'retry-after': '1' }));
      expect(await admin.exists(limiter.key('claude-test'))).toBe(1);
      expect(await takeRateSlot(producer, prefix, 'zendesk', 1)).toBe(0);
      expect(await takeRateSlot(producer, prefix, 'zendesk', 1)).toBeGreaterThan(0);
    } finally {
      await worker?.close();
      await queue.close();
      await cleanClusterPrefix(admin, prefix);
      for (const c of clients) c.disconnect();
    }
  });
});
