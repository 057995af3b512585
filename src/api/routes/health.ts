import type { FastifyInstance } from 'fastify';
import type { Cluster, Redis } from 'ioredis';
import { pingDatabase } from '../../db/health.js';
import type { Pool } from '../../db/pool.js';
import { toError } from '../../logger.js';
import { evictionMessage, readEvictionPolicy, SAFE_POLICY } from '../../queue/redis-policy.js';
import { withTimeout } from '../../queue/schedule.js';
import type { IngestMetrics } from '../metrics.js';

/**
 * GET /healthz — the process is alive (no dependencies checked, so a
 * database outage does not get the API restarted in a loop).
 * GET /readyz — PostgreSQL and Redis answer; 503 with which one does not.
 * GET /metrics — Prometheus text format.
 */

export interface Lifecycle {
  /** Set when shutdown begins: readiness fails and webhooks get 503. */
  draining: boolean;
}

export interface HealthRouteDeps {
  pool: Pool;
  redis?: Redis | Cluster | undefined;
  metrics: IngestMetrics;
  lifecycle: Lifecycle;
  /** QC_ALLOW_EVICTION: an evicting Redis keeps /readyz ready (with a warning field). */
  allowEviction?: boolean;
}

async function check(what: () => Promise<unknown>): Promise<'ok' | string> {
  try {
    await withTimeout(what(), 2_000, 'check');
    return 'ok';
  } catch (err) {
    return toError(err).message.slice(0, 200);
  }
}

export function registerHealthRoutes(app: FastifyInstance, deps: HealthRouteDeps): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const [postgres, redis] = await Promise.all([
      check(() => pingDatabase(deps.pool)),
      deps.redis
        ? check(() => (deps.redis as Redis | Cluster).ping())
        : Promise.resolve('not configured'),
    ]);
    // Issue 10: Redis that may evict keys loses job payloads (src/queue/redis-policy.ts).
    let evictionPolicy: string | undefined;
    let evictionOk = true;
    if (deps.redis && redis === 'ok') {
      try {
        const r = await withTimeout(readEvictionPolicy(deps.redis), 2_000, 'redis policy');
        evictionPolicy = r.policies.join(',');
        deps.metrics.redisEvictionUnsafe.set(r.safe ? 0 : 1);
        evictionOk = r.safe || deps.allowEviction === true;
      } catch (err) {
        evictionPolicy = `unknown (${toError(err).message.slice(0, 100)})`;
      }
    }
    const ready = !deps.lifecycle.draining && postgres === 'ok' && redis === 'ok' && evictionOk;
    if (!ready) reply.code(503).header('retry-after', '5');
    return {
      status: ready ? 'ready' : deps.lifecycle.draining ? 'shutting_down' : 'not_ready',
      postgres,
      redis,
      ...(evictionPolicy !== undefined ? { redisMaxmemoryPolicy: evictionPolicy } : {}),
      ...(evictionPolicy !== undefined && evictionPolicy !== SAFE_POLICY
        ? {
            redisWarning: evictionOk
              ? 'Redis may evict queued jobs (allowed by QC_ALLOW_EVICTION)'
              : evictionMessage(evictionPolicy.split(',')),
          }
        : {}),
    };
  });

  app.get('/metrics', async (_req, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.header('content-type', deps.metrics.registry.contentType).send(text);
  });
}
