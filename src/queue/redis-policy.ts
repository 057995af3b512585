import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * BullMQ keeps a job's payload in a Redis hash. A Redis allowed to evict keys
 * under memory pressure (any `maxmemory-policy` but `noeviction`) drops those
 * hashes while the job ids stay queued: acknowledged tickets end as jobs with
 * an empty payload. So the worker and `serve` refuse such a Redis at start and
 * `/readyz` reports it, unless QC_ALLOW_EVICTION=1 says the operator knows:
 * then a structured warning and a metric, and lost payloads are rebuilt from
 * PostgreSQL (src/qc/lost-payload.ts) or requeued by the reconciler.
 */

export const SAFE_POLICY = 'noeviction';

export interface PolicyReport {
  /** Every distinct policy found (one per cluster master); 'unknown' when INFO did not say. */
  policies: string[];
  safe: boolean;
}

function policyOf(info: string): string {
  return /^maxmemory_policy:(\S+)/m.exec(info)?.[1] ?? 'unknown';
}

function readyOrTimeout(redis: Cluster, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`Redis Cluster not ready within ${ms} ms (status ${redis.status})`));
    }, ms);
    const onReady = () => {
      clearTimeout(t);
      resolve();
    };
    redis.once('ready', onReady);
  });
}

/** Reads `maxmemory-policy` through INFO (allowed where CONFIG is renamed, e.g. managed Redis). */
export async function readEvictionPolicy(redis: Redis | Cluster): Promise<PolicyReport> {
  const isCluster = 'nodes' in redis && typeof redis.nodes === 'function';
  // A Cluster knows its masters only once it has read the slot map.
  if (isCluster && redis.status !== 'ready') await readyOrTimeout(redis, 10_000);
  const nodes: (Redis | Cluster)[] = isCluster ? redis.nodes('master') : [redis];
  const found = new Set<string>();
  for (const node of nodes) found.add(policyOf(await node.info('memory')));
  const policies = [...found].sort();
  return { policies, safe: policies.length > 0 && policies.every((p) => p === SAFE_POLICY) };
}

export class EvictionPolicyError extends Error {
  override name = 'EvictionPolicyError';
}

export function evictionMessage(policies: string[]): string {
  return `Redis maxmemory-policy is ${policies.join(', ')}, not ${SAFE_POLICY}: under memory pressure it evicts queued jobs and their payloads. Set "maxmemory-policy ${SAFE_POLICY}" (redis.conf or CONFIG SET), or set QC_ALLOW_EVICTION=1 to run anyway.`;
}

/**
 * At start: throws EvictionPolicyError on an evicting Redis unless allowed;
 * allowed, logs a structured warning. Returns the report either way.
 */
export async function checkEvictionPolicy(
  redis: Redis | Cluster,
  opts: { allowEviction: boolean; logger: Logger; role: string },
): Promise<PolicyReport> {
  const report = await readEvictionPolicy(redis);
  if (report.safe) return report;
  if (!opts.allowEviction) throw new EvictionPolicyError(evictionMessage(report.policies));
  opts.logger.warn(
    {
      event: 'redis_eviction_allowed',
      role: opts.role,
      maxmemoryPolicy: report.policies,
      allowedBy: 'QC_ALLOW_EVICTION',
    },
    'Redis may evict queued jobs (QC_ALLOW_EVICTION=1): lost payloads are rebuilt from PostgreSQL or requeued',
  );
  return report;
}
