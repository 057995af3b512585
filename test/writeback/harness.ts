import { createHmac } from 'node:crypto';
import { type FakeHelpdesk, startFakeHelpdesk } from '@ticket-qc/fake-helpdesk';
import type { Redis } from 'ioredis';
import pino from 'pino';
import type { Config } from '../../src/config.js';
import type { Verdict } from '../../src/context/verdict.js';
import { getOutbox, type OutboxRow } from '../../src/db/outbox.js';
import { upsertTicket } from '../../src/db/tickets.js';
import { type QcContext, qcContextOf } from '../../src/qc/context.js';
import { saveGrade } from '../../src/qc/persist.js';
import { createRedis } from '../../src/queue/connection.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { Ticket } from '../../src/ticket/schema.js';
import { startWriteback, type WritebackLoops } from '../../src/writeback/index.js';
import { testConfig } from '../helpers/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { waitFor } from '../helpers/pipeline.js';
import { cleanPrefix, testPrefix } from '../helpers/redis.js';

/**
 * A real database, Redis under a fresh prefix, the fake help desk over real
 * HTTP, and the write-back loops (relay + queue worker) of a worker process.
 */
export interface WritebackHarness {
  db: TestDb;
  desk: FakeHelpdesk;
  rt: Runtime;
  config: Config;
  loops: WritebackLoops;
  ctx: QcContext;
  close(): Promise<void>;
}

export const CREDS = {
  zendesk: { email: 'qc-bot@acme.example', token: 'zd-token' },
  jira: { email: 'qc-bot@acme.example', token: 'jira-token' },
  freshdesk: { key: 'fd-key' },
  servicenow: { user: 'svc_ticket_qc', password: 'sn-pass' },
  genericSecret: 'generic-secret',
};

export const basicOf = (u: string, p: string) =>
  `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

export const AUTH = {
  zendesk: basicOf(`${CREDS.zendesk.email}/token`, CREDS.zendesk.token),
  jira: basicOf(CREDS.jira.email, CREDS.jira.token),
  freshdesk: basicOf(CREDS.freshdesk.key, 'X'),
  servicenow: basicOf(CREDS.servicenow.user, CREDS.servicenow.password),
};

export function hmac(body: string): string {
  return `sha256=${createHmac('sha256', CREDS.genericSecret).update(body).digest('hex')}`;
}

export async function startWritebackHarness(
  env: Record<string, string> = {},
): Promise<WritebackHarness> {
  const db = await createTestDb();
  const desk = await startFakeHelpdesk({ authorization: AUTH });
  const prefix = testPrefix();
  const config = testConfig({
    DATABASE_URL: db.url,
    QUEUE_PREFIX: prefix,
    WRITEBACK_ZENDESK: 'note,tags',
    WRITEBACK_JIRA: 'note,tags',
    WRITEBACK_FRESHDESK: 'note,tags',
    WRITEBACK_SERVICENOW: 'note',
    WRITEBACK_GENERIC: 'post',
    ZENDESK_API_BASE_URL: desk.baseUrl('zendesk'),
    ZENDESK_EMAIL: CREDS.zendesk.email,
    ZENDESK_API_TOKEN: CREDS.zendesk.token,
    JIRA_BASE_URL: desk.baseUrl('jira'),
    JIRA_EMAIL: CREDS.jira.email,
    JIRA_API_TOKEN: CREDS.jira.token,
    FRESHDESK_API_BASE_URL: desk.baseUrl('freshdesk'),
    FRESHDESK_API_KEY: CREDS.freshdesk.key,
    SERVICENOW_INSTANCE_URL: desk.baseUrl('servicenow'),
    SERVICENOW_USER: CREDS.servicenow.user,
    SERVICENOW_PASSWORD: CREDS.servicenow.password,
    WRITEBACK_GENERIC_URL: `${desk.baseUrl('generic')}/hooks/qc`,
    WRITEBACK_GENERIC_SECRET: CREDS.genericSecret,
    REVIEW_BASE_URL: 'https://qc.acme.example',
    WRITEBACK_POLL_INTERVAL: '300ms',
    WRITEBACK_BACKOFF: '150ms',
    WRITEBACK_RATE_PER_MINUTE: '0',
    ...env,
  });
  const rt = createRuntime(config, { logger: pino({ level: 'silent' }), pool: db.pool });
  const connections: Redis[] = [
    createRedis(config.REDIS_URL, 'worker'),
    createRedis(config.REDIS_URL, 'worker'),
  ];
  const loops = await startWriteback(rt, {
    connection: connections[0] as Redis,
    producer: connections[1] as Redis,
    prefix,
  });
  const ctx = qcContextOf(await rt.contexts.active());
  return {
    db,
    desk,
    rt,
    config,
    loops,
    ctx,
    async close() {
      await loops.close();
      for (const c of connections) c.disconnect();
      await desk.close();
      await cleanPrefix(prefix).catch(() => undefined);
      await db.drop();
    },
  };
}

let clock = Date.parse('2026-11-02T09:00:00Z');

/** A stored ticket version for (source, externalId); each call is a new version. */
export async function storeVersion(
  h: WritebackHarness,
  source: string,
  externalId: string,
  extra: Record<string, unknown> = {},
) {
  clock += 60_000;
  const ticket = Ticket.parse({
    source,
    externalId,
    subject: 'Outlook keeps asking for a password',
    description: 'Since this morning Outlook on my laptop asks for my password every few minutes.',
    status: 'solved',
    createdAt: '2026-11-02T08:00:00Z',
    updatedAt: new Date(clock).toISOString(),
    ...extra,
  });
  return (await upsertTicket(h.db.pool, ticket)).id;
}

export function verdictOf(
  h: WritebackHarness,
  outcome: Verdict['outcome'],
  score: number,
): Verdict {
  const ids = h.ctx.vocab.criteria.map((c) => c.id);
  return {
    outcome,
    score,
    criteria: ids.map((criterion, i) => ({
      criterion,
      result: outcome === 'pass' || i > 1 ? 'met' : 'missing',
      evidence: '',
      missing: outcome === 'pass' || i > 1 ? '' : `no ${criterion.replace(/_/g, ' ')} recorded`,
    })),
    missing_information: [],
    escalations:
      outcome === 'escalate'
        ? [
            {
              rule: h.ctx.vocab.rules[0]?.id ?? 'security_incident',
              reason: 'Phishing link clicked.',
            },
          ]
        : [],
    attributions: [],
    patterns: [],
    confidence: 0.9,
    summary: 'summary',
  };
}

/** Stores a result through the real persistence (the outbox row is written in its transaction). */
export async function grade(h: WritebackHarness, ticketId: number, verdict: Verdict) {
  return saveGrade(h.db.pool, {
    ticketId,
    ctx: h.ctx,
    outcome: { verdict, model: h.config.QC_MODEL, tier: 'base', calls: [], failures: [] },
    via: 'realtime',
    latencyMs: 1,
  });
}

export async function outboxOf(
  h: WritebackHarness,
  ticketId: number,
): Promise<OutboxRow | undefined> {
  const r = await h.db.pool.query<{ id: number }>(
    'SELECT id FROM writeback_outbox WHERE ticket_id = $1',
    [ticketId],
  );
  return r.rows[0] ? getOutbox(h.db.pool, r.rows[0].id) : undefined;
}

export function settled(h: WritebackHarness, ticketId: number, status?: OutboxRow['status']) {
  return waitFor(`outbox row of ticket ${ticketId} settled`, async () => {
    const row = await outboxOf(h, ticketId);
    if (!row) return undefined;
    if (status) return row.status === status ? row : undefined;
    return ['delivered', 'skipped', 'failed', 'off'].includes(row.status) ? row : undefined;
  });
}
