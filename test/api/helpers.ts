import { readFileSync } from 'node:fs';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { type Logger, pino } from 'pino';
import { buildApp } from '../../src/api/app.js';
import { hmacBase64, hmacHex } from '../../src/api/auth.js';
import { createMetrics, type IngestMetrics } from '../../src/api/metrics.js';
import type { Config } from '../../src/config.js';
import { ContextStore } from '../../src/context/store.js';
import { startQcWorker } from '../../src/qc/worker.js';
import { createRedis } from '../../src/queue/connection.js';
import { createWriterPool } from '../../src/queue/intake-writer.js';
import { createRuntime } from '../../src/runtime.js';
import { testConfig } from '../helpers/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { waitFor } from '../helpers/pipeline.js';
import { cleanPrefix, producerQueue, testPrefix } from '../helpers/redis.js';
import { REDIS_URL } from '../helpers/urls.js';

export { waitFor };

export const SECRETS = {
  zendesk: 'zd-secret-current',
  jira: 'jira-secret',
  freshdesk: 'fd-user:fd-password',
  servicenow: 'sn-bearer-token',
  generic: 'generic-secret',
} as const;
export type Source = keyof typeof SECRETS;
export const SOURCES = Object.keys(SECRETS) as Source[];

export const secretEnv: Record<string, string> = {
  WEBHOOK_SECRET_ZENDESK: `${SECRETS.zendesk},zd-secret-old`,
  WEBHOOK_SECRET_JIRA: SECRETS.jira,
  WEBHOOK_SECRET_FRESHDESK: SECRETS.freshdesk,
  WEBHOOK_SECRET_SERVICENOW: SECRETS.servicenow,
  WEBHOOK_SECRET_GENERIC: SECRETS.generic,
};

/** The vendor custom fields the fixtures and the guide's examples let through (SOURCE_CUSTOM_FIELDS). */
export const CUSTOM_FIELDS =
  'jira=customfield_10020,customfield_10030;freshdesk=cf_client_site,cf_billable,cf_asset,cf_sla_breached';

export function fixture(path: string): string {
  return readFileSync(new URL(`../fixtures/webhooks/${path}`, import.meta.url), 'utf8');
}

/** The headers each vendor sends for this exact body. */
export function signedHeaders(
  source: Source | string,
  body: string | Buffer,
  opts: { secret?: string; timestamp?: string } = {},
): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'application/json' };
  const secret = opts.secret ?? (SECRETS as Record<string, string>)[source] ?? SECRETS.generic;
  switch (source) {
    case 'zendesk': {
      const ts = opts.timestamp ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      h['x-zendesk-webhook-signature-timestamp'] = ts;
      h['x-zendesk-webhook-signature'] = hmacBase64(secret, ts, body);
      break;
    }
    case 'jira':
      h['x-hub-signature'] = `sha256=${hmacHex(secret, body)}`;
      break;
    case 'freshdesk':
      h.authorization = `Basic ${Buffer.from(secret).toString('base64')}`;
      break;
    case 'servicenow':
      h.authorization = `Bearer ${secret}`;
      break;
    default:
      h['x-signature'] = `sha256=${hmacHex(secret, body)}`;
  }
  return h;
}

export interface Harness {
  app: FastifyInstance;
  db: TestDb;
  config: Config;
  queue: Queue;
  redis: Redis;
  prefix: string;
  metrics: IngestMetrics;
  contexts: ContextStore;
  close(): Promise<void>;
}

/** A real database, a real Redis queue under a fresh prefix, and the app (not listening). */
export async function startHarness(
  opts: {
    env?: Record<string, string>;
    redisUrl?: string;
    fetch?: typeof fetch;
    now?: () => number;
    logger?: Logger;
  } = {},
): Promise<Harness> {
  const db = await createTestDb();
  const prefix = testPrefix();
  const redisUrl = opts.redisUrl ?? REDIS_URL;
  const config = testConfig({
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    QC_DEBOUNCE: '2s',
    SOURCE_CUSTOM_FIELDS: CUSTOM_FIELDS,
    ...secretEnv,
    ...opts.env,
  });
  const logger = opts.logger ?? pino({ level: 'silent' });
  const { redis, queue } = await producerQueue(prefix, redisUrl);
  const contexts = new ContextStore(db.pool);
  const metrics = createMetrics({ pool: db.pool, queue, logger, defaults: false });
  // As in the API process: the intake writer on pipelined connections of its own.
  const writerPool = createWriterPool(db.url);
  const app = await buildApp({
    config,
    pool: db.pool,
    writerPool,
    queue,
    redis,
    contexts,
    logger,
    metrics,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  return {
    app,
    db,
    config,
    queue,
    redis,
    prefix,
    metrics,
    contexts,
    async close() {
      await app.close();
      await writerPool.end().catch(() => undefined);
      await queue.close().catch(() => undefined);
      redis.disconnect();
      await cleanPrefix(prefix, redisUrl).catch(() => undefined);
      await db.drop();
    },
  };
}

/** POST a signed delivery through inject(). */
export function deliver(
  h: Harness,
  source: string,
  body: string,
  headers: Record<string, string> = signedHeaders(source, body),
) {
  return h.app.inject({ method: 'POST', url: `/webhooks/${source}`, payload: body, headers });
}

export async function ticketRows(h: Harness, source?: string) {
  const r = await h.db.pool.query<{
    id: number;
    external_id: string;
    status: string;
    qc_status: string;
    content_hash: string;
    ticket: unknown;
  }>(
    `SELECT id, external_id, status, qc_status, content_hash, ticket FROM tickets ${source ? 'WHERE source = $1' : ''} ORDER BY id`,
    source ? [source] : [],
  );
  return r.rows;
}

export async function jobsOf(h: Harness) {
  return h.queue.getJobs(['waiting', 'delayed', 'active', 'prioritized', 'completed', 'failed']);
}

/** A real QC worker (the lead's) on the harness's queue, grading through the Anthropic simulator. */
export async function startGrader(h: Harness, simUrl: string, redisUrl = h.config.REDIS_URL) {
  const config = { ...h.config, ANTHROPIC_BASE_URL: simUrl, QC_SHADOW_RATE: 0 };
  const rt = createRuntime(config, { logger: pino({ level: 'silent' }), pool: h.db.pool });
  const connection = createRedis(redisUrl, 'worker');
  const worker = await startQcWorker(rt, { connection, prefix: h.prefix, concurrency: 2 });
  return {
    worker,
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}

export async function resultsByTicket(h: Harness): Promise<Map<number, number>> {
  const r = await h.db.pool.query<{ ticket_id: number; n: number }>(
    'SELECT ticket_id, count(*)::int AS n FROM qc_results GROUP BY ticket_id',
  );
  return new Map(r.rows.map((x) => [x.ticket_id, x.n]));
}

/** Version n of one generic ticket: each later version is updated later and says a little more. */
export function genericVersion(
  externalId: string,
  n: number,
  status: string,
  extra: Record<string, unknown> = {},
): string {
  const base = JSON.parse(fixture('generic/ticket.json'));
  const minutes = String(n).padStart(2, '0');
  return JSON.stringify({
    ...base,
    externalId,
    status,
    closedAt: undefined,
    updatedAt: `2026-10-02T16:${minutes}:00+01:00`,
    comments: [
      ...base.comments,
      {
        author: 'Kim Net',
        role: 'agent',
        public: false,
        body: `Update number ${n}`,
        at: `2026-10-02T16:${minutes}:00+01:00`,
      },
    ],
    ...extra,
  });
}
