import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateNewVersion, ContextStore } from '../../src/context/store.js';
import { prepareGrades } from '../../src/db/grade-write.js';
import { withTransaction } from '../../src/db/pool.js';
import { jsonLength } from '../../src/llm/attempts.js';
import { qcContextOf, systemBlocks } from '../../src/qc/context.js';
import { ticketMessage } from '../../src/qc/prompt.js';
import { Ticket } from '../../src/ticket/schema.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

/**
 * Issue 13's cuts must not change what is recorded: the attempt estimate is
 * the same number as serialising the whole request, and the one statement
 * that prepares a job reserves an attempt row only for a version it grades
 * under the context this process knows.
 */

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db?.drop();
});

const ticket = Ticket.parse({
  source: 'generic',
  externalId: 'OVH-1',
  subject: 'Printer "jams" on tray 2',
  description: 'It jams.\nEvery time <b>.',
  status: 'solved',
  createdAt: '2026-10-05T09:00:00Z',
  updatedAt: '2026-10-05T10:30:00Z',
});

describe('attempt estimate', () => {
  it('measures the request exactly as JSON.stringify does, before and after the context parts are remembered', async () => {
    const ctx = qcContextOf(await new ContextStore(db.pool).active());
    const system = systemBlocks(ctx, '5m');
    expect(systemBlocks(ctx, '5m')).toBe(system);
    const messages = [ticketMessage(ticket)];
    const input = [system, [ctx.tool], messages];
    expect(jsonLength(input)).toBe(JSON.stringify(input).length);
    messages.push({ role: 'assistant', content: 'a reply with "quotes"' });
    expect(jsonLength(input)).toBe(JSON.stringify(input).length);
    expect(jsonLength({ a: 1 })).toBe(7);
  });
});

describe('prepareGrades', () => {
  const first = {
    owner: 'test:1',
    agent: 'qc-worker',
    model: 'claude-haiku-4-5',
    purpose: 'grade',
    tier: 'base',
    jobId: 'job-1',
    maxOutputTokens: 4096,
    fixedChars: 30_000,
    inputRate: 1.25,
    outputRate: 5,
  };
  async function store(externalId: string, updatedAt: string): Promise<number> {
    const r = await db.pool.query<{ id: number }>(
      `INSERT INTO tickets (source, external_id, content_hash, status, subject, ticket, ticket_updated_at, qc_status)
       VALUES ('generic', $1, md5($1 || $2), 'solved', 's', $3, $2::timestamptz, 'queued') RETURNING id`,
      [externalId, updatedAt, JSON.stringify({ ...ticket, externalId })],
    );
    return r.rows[0]?.id as number;
  }

  it('reserves the first call’s row, with an estimate, only for a version it will grade', async () => {
    const store0 = new ContextStore(db.pool);
    const ctx = qcContextOf(await store0.active());
    const key = store0.last()?.key as string;
    const id = await store('OVH-2', '2026-10-05T10:30:00Z');
    const one = { ticketId: id, contextVersion: ctx.version, contextKey: key, first };
    const [p] = await prepareGrades(db.pool, [one]);
    expect(p).toMatchObject({ id, newer: false, existingResultId: undefined, contextKey: key });
    const row = await db.pool.query(
      'SELECT state, est_input_tokens, est_cost_usd, ticket_id, job_id FROM llm_attempts WHERE id = $1',
      [p?.attemptId],
    );
    expect(row.rows[0]).toMatchObject({ state: 'open', ticket_id: id, job_id: 'job-1' });
    expect(row.rows[0]?.est_input_tokens).toBeGreaterThan(10_000);
    expect(Number(row.rows[0]?.est_cost_usd)).toBeGreaterThan(0);

    // A newer version arrives: the old one is superseded and nothing is reserved.
    await store('OVH-2', '2026-10-06T10:30:00Z');
    const [again] = await prepareGrades(db.pool, [one]);
    expect(again).toMatchObject({ newer: true, attemptId: undefined });
    const st = await db.pool.query('SELECT qc_status FROM tickets WHERE id = $1', [id]);
    expect(st.rows[0]?.qc_status).toBe('superseded');
  });

  it('reserves nothing when the context changed since this process read it', async () => {
    const store0 = new ContextStore(db.pool);
    const ctx = qcContextOf(await store0.active());
    const key = store0.last()?.key as string;
    const v = (await store0.active()).files.get('standards.md');
    await withTransaction(db.pool, (c) =>
      activateNewVersion(c, {
        file: 'standards.md',
        content: `${v?.content}\n`,
        author: 'dana',
      }),
    );
    const id = await store('OVH-3', '2026-10-05T10:30:00Z');
    const one = { ticketId: id, contextVersion: ctx.version, contextKey: key, first };
    const [p] = await prepareGrades(db.pool, [one]);
    expect(p?.contextKey).not.toBe(key);
    expect(p?.attemptId).toBeUndefined();
    expect(p?.newer).toBe(false);
  });

  it('is undefined for a ticket that does not exist', async () => {
    const [none] = await prepareGrades(db.pool, [
      { ticketId: 987_654, contextVersion: 'v', contextKey: 'k', first },
    ]);
    expect(none).toBeUndefined();
  });
});
