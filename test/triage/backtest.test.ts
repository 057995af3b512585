import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTriageBacktest } from '../../src/chief/triage-backtest.js';
import { activateNewVersion, ContextStore } from '../../src/context/store.js';
import { upsertTicket } from '../../src/db/tickets.js';
import { createRuntime } from '../../src/runtime.js';
import { Ticket } from '../../src/ticket/schema.js';
import { statusOfTriage } from '../../src/triage/index.js';
import { testConfig } from '../helpers/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

/**
 * A triage proposal is backtested by re-running the intake check on each
 * cited ticket's creation state — the first stored version, before the
 * technician's work — with the current and the proposed agents/triage.md.
 */

let db: TestDb;
let sim: Simulator;
beforeAll(async () => {
  db = await createTestDb();
  sim = await startSimulator({ seed: 5, noise: 0 });
});
afterAll(async () => {
  await sim?.close();
  await db?.drop();
});

describe('triage backtest', () => {
  it('statusOfTriage: a trigger asking for more is fixed; a control asking for anything regressed', () => {
    expect(statusOfTriage('trigger', { missing: [] }, { missing: ['steps_tried'] })).toBe('fixed');
    expect(statusOfTriage('trigger', { missing: ['device'] }, { missing: [] })).toBe('regressed');
    expect(statusOfTriage('trigger', { missing: ['device'] }, { missing: ['impact'] })).toBe(
      'unchanged',
    );
    expect(statusOfTriage('control', { missing: [] }, { missing: [] })).toBe('unchanged');
    expect(statusOfTriage('control', { missing: [] }, { missing: ['device'] })).toBe('regressed');
  });

  it('re-runs triage on the creation state with the current and the proposed prompt', async () => {
    const pool = db.pool;
    const contexts = new ContextStore(pool);
    const seeded = (await contexts.active()).files.get('agents/triage.md')?.content ?? '';
    // The current prompt does not ask about steps tried; the proposal does.
    const current = seeded.replace(/^- `steps_tried`.*\n/m, '');
    expect(current).not.toContain('`steps_tried`');
    await activateNewVersion(pool, { file: 'agents/triage.md', content: current, author: 'test' });

    const created = '2026-11-10T09:00:00Z';
    const first = Ticket.parse({
      source: 'jira',
      externalId: 'SD-300',
      subject: 'Laptop cannot reach the VPN',
      description:
        'My laptop cannot connect to the VPN, I cannot open the file share. Call me on 0161 555 0199.',
      status: 'new',
      requester: { name: 'Sam Lee' },
      createdAt: created,
      updatedAt: created,
    });
    await upsertTicket(pool, first);
    // The graded, closed version: the technician's work must not reach the backtest.
    const closed = await upsertTicket(pool, {
      ...first,
      status: 'closed',
      updatedAt: '2026-11-10T15:00:00Z',
      comments: [
        {
          author: 'Tech',
          role: 'agent',
          public: true,
          body: 'I restarted the VPN client and tried again.',
          at: '2026-11-10T10:00:00Z',
        },
      ],
    });

    const config = testConfig({ DATABASE_URL: db.url, ANTHROPIC_BASE_URL: sim.url });
    const rt = createRuntime(config, { logger: pino({ level: 'silent' }), pool });
    const { backtest, calls } = await runTriageBacktest({
      db: pool,
      llm: rt.llm,
      model: config.QC_MODEL,
      snapshot: await contexts.active(),
      proposed: seeded,
      ticketIds: [closed.id],
    });
    expect(backtest.kind).toBe('regrade');
    expect(backtest.contextBefore).not.toBe(backtest.contextAfter);
    expect(backtest.tickets).toHaveLength(1);
    expect(backtest.tickets[0]).toMatchObject({
      externalId: 'SD-300',
      role: 'trigger',
      before: { outcome: 'complete', result: 'nothing missing' },
      after: { outcome: 'incomplete', result: 'steps_tried' },
      status: 'fixed',
    });
    expect(backtest.summary).toEqual({ fixed: 1, unchanged: 0, regressed: 0, errors: 0 });
    expect(calls.map((c) => c.purpose)).toEqual(['backtest', 'backtest']);
    // A backtest stores nothing.
    const stored = await pool.query('SELECT 1 FROM triage_results');
    expect(stored.rowCount).toBe(0);
  });
});
