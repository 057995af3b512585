import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { type FakeHelpdesk, startFakeHelpdesk } from '@ticket-qc/fake-helpdesk';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertTicket } from '../../src/db/tickets.js';
import { createRedis } from '../../src/queue/connection.js';
import { QC_QUEUE } from '../../src/queue/jobs.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { Ticket } from '../../src/ticket/schema.js';
import { startTriage, type TriageLoops } from '../../src/triage/index.js';
import { startWriteback, type WritebackLoops } from '../../src/writeback/index.js';
import { testConfig } from '../helpers/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { waitFor } from '../helpers/pipeline.js';
import { cleanPrefix, testPrefix } from '../helpers/redis.js';

/**
 * The triage agent, live: a new ticket's first version (stored as intake
 * stores it) is triaged on its creation state through the simulator, the
 * result stored with its cost as agent `triage`, and — write-back on — an
 * internal note posted when intake is incomplete.
 */

let db: TestDb;
let sim: Simulator;
let desk: FakeHelpdesk;
let rt: Runtime;
let triage: TriageLoops;
let writeback: WritebackLoops;
const redis: Redis[] = [];
const prefix = testPrefix();

beforeAll(async () => {
  db = await createTestDb();
  sim = await startSimulator({ seed: 3, noise: 0 });
  desk = await startFakeHelpdesk();
  const config = testConfig({
    DATABASE_URL: db.url,
    QUEUE_PREFIX: prefix,
    ANTHROPIC_BASE_URL: sim.url,
    WRITEBACK_ZENDESK: 'note,tags',
    ZENDESK_API_BASE_URL: desk.baseUrl('zendesk'),
    ZENDESK_EMAIL: 'qc-bot@acme.example',
    ZENDESK_API_TOKEN: 't',
    WRITEBACK_RATE_PER_MINUTE: '0',
    WRITEBACK_POLL_INTERVAL: '300ms',
    TRIAGE_POLL_INTERVAL: '300ms',
  });
  rt = createRuntime(config, { logger: pino({ level: 'silent' }), pool: db.pool });
  for (let i = 0; i < 2; i++) redis.push(createRedis(config.REDIS_URL, 'worker'));
  const [a, b] = redis as [Redis, Redis];
  writeback = await startWriteback(rt, { connection: a, producer: b, prefix });
  triage = await startTriage(rt, { connection: a, producer: b, prefix });
});
afterAll(async () => {
  await triage?.close();
  await writeback?.close();
  for (const r of redis) r.disconnect();
  await sim?.close();
  await desk?.close();
  await cleanPrefix(prefix).catch(() => undefined);
  await db?.drop();
});

function ticket(externalId: string, description: string, createdAt = new Date().toISOString()) {
  return Ticket.parse({
    source: 'zendesk',
    externalId,
    subject: 'Help',
    description,
    status: 'new',
    requester: { name: 'Sam Lee', email: 'sam@client.example' },
    createdAt,
    updatedAt: createdAt,
  });
}

const triageRow = (ticketId: number) =>
  waitFor(`triage of ticket ${ticketId}`, async () => {
    const r = await db.pool.query<{
      id: number;
      missing: string[];
      question: string | null;
      context_version: string;
    }>('SELECT id, missing, question, context_version FROM triage_results WHERE ticket_id = $1', [
      ticketId,
    ]);
    return r.rows[0];
  });

describe('triage, live', () => {
  it('an incomplete intake: missing fields and one question stored, cost recorded, internal note posted', async () => {
    const { id } = await upsertTicket(db.pool, ticket('9101', 'Outlook is broken, please fix.'));
    const row = await triageRow(id);
    expect(row.missing).toEqual(['impact', 'steps_tried', 'contact_window']);
    expect(row.question).toBe(
      'To get started quickly, could you tell us what you cannot do right now and how urgent it is, what you have already tried and the best time and number to reach you?',
    );
    const events = await db.pool.query<{
      kind: string;
      purpose: string | null;
      cost_usd: string;
      category: string | null;
    }>(
      "SELECT kind, purpose, cost_usd, category FROM agent_events WHERE agent = 'triage' AND ticket_id = $1 ORDER BY id",
      [id],
    );
    expect(events.rows.map((e) => `${e.kind}:${e.purpose ?? e.category}`)).toEqual([
      'llm_call:triage',
      'verdict:intake_incomplete',
    ]);
    expect(Number(events.rows[0]?.cost_usd)).toBeGreaterThan(0);

    // The request the simulator saw: the triage prompt and standards as cached system blocks.
    const call = sim
      .requests()
      .find((r) => JSON.stringify(r.body ?? {}).includes('record_intake_check'));
    const system =
      (call?.body as { system?: { text: string; cache_control?: unknown }[] } | undefined)
        ?.system ?? [];
    expect(system.map((b) => /file="([^"]+)"/.exec(b.text)?.[1])).toEqual([
      'agents/triage.md',
      'escalation.md',
      'standards.md',
    ]);
    expect(system.at(-1)?.cache_control).toEqual({ type: 'ephemeral' });

    const [put] = await desk.waitForRequests(1, { vendor: 'zendesk' });
    expect(put?.path).toBe('/api/v2/tickets/9101.json');
    const body = put?.body as { ticket: { comment: { body: string; public: boolean } } };
    expect(body.ticket.comment.public).toBe(false);
    expect(body.ticket.comment.body).toContain('ticket-qc triage: intake is missing information');
    expect(body.ticket.comment.body).toContain('Missing - what the customer has already tried');
    expect(body.ticket.comment.body).toContain('Ask the customer: To get started quickly');
  });

  it('a complete intake: stored, no note; a later version is not triaged again', async () => {
    const desc =
      'My laptop cannot connect to the VPN since this morning, I cannot reach the file share. I already restarted it twice. Call me on 0161 555 0199 until 5pm.';
    const { id } = await upsertTicket(db.pool, ticket('9102', desc));
    const row = await triageRow(id);
    expect(row.missing).toEqual([]);
    const later = ticket('9102', `${desc} Still broken.`);
    const v2 = await upsertTicket(db.pool, {
      ...later,
      updatedAt: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(v2.inserted).toBe(true);
    await triage.pass();
    const n = await db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM triage_results WHERE external_id = '9102'",
    );
    expect(n.rows[0]?.n).toBe(1);
    const outbox = await db.pool.query(
      "SELECT id FROM writeback_outbox WHERE external_id = '9102'",
    );
    expect(outbox.rowCount).toBe(0);
  });

  it('the triage prompt is cached: later calls read the prefix from the cache', async () => {
    const r = await db.pool.query<{ r: number; w: number }>(
      `SELECT sum(cache_read_input_tokens)::int AS r, sum(cache_creation_input_tokens)::int AS w
       FROM agent_events WHERE agent = 'triage' AND kind = 'llm_call'`,
    );
    expect(r.rows[0]?.w).toBeGreaterThan(0);
    expect(r.rows[0]?.r).toBeGreaterThan(0);
  });

  it('a budget stop (the qc queue paused) holds triage too, until it is lifted', async () => {
    const qc = new Queue(QC_QUEUE, { connection: redis[1] as Redis, prefix });
    await qc.pause();
    try {
      const { id } = await upsertTicket(db.pool, ticket('9104', 'Printer is broken.'));
      expect(await triage.pass()).toBe(0);
      const req = await db.pool.query<{ status: string }>(
        "SELECT status FROM triage_requests WHERE external_id = '9104'",
      );
      expect(req.rows[0]?.status).toBe('pending');
      await qc.resume();
      await triage.pass();
      expect((await triageRow(id)).missing.length).toBeGreaterThan(0);
    } finally {
      await qc.resume();
      await qc.close();
    }
  });

  it('history (a ticket created long ago) is skipped, never triaged', async () => {
    await upsertTicket(db.pool, ticket('9103', 'Outlook broken', '2020-01-01T10:00:00Z'));
    const r = await waitFor('the request settled', async () => {
      const x = await db.pool.query<{ status: string; reason: string }>(
        "SELECT status, reason FROM triage_requests WHERE external_id = '9103'",
      );
      return x.rows[0]?.status === 'skipped' ? x.rows[0] : undefined;
    });
    expect(r.reason).toMatch(/history/);
  });
});
