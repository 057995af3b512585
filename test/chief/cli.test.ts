import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../src/cli/index.js';
import { captureLog } from '../helpers/cli.js';
import { testConfig } from '../helpers/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { type Pipeline, startPipeline, storeExamples, waitFor } from '../helpers/pipeline.js';
import { seedFailures } from './helpers.js';

/** The team lead's commands: chief run-once, proposals list|show|approve|restore, overrides add|list. */

let db: TestDb;
let sim: Simulator;
let p: Pipeline;
let tickets: number[] = [];

beforeAll(async () => {
  db = await createTestDb();
  sim = await startSimulator({ seed: 4, noise: 0 });
  p = await startPipeline(db, sim.url);
  tickets = await storeExamples(db, 3);
  await p.startWorker({ concurrency: 3 });
  await p.enqueue(tickets);
  await waitFor('3 results', async () => {
    const r = await db.pool.query('SELECT 1 FROM qc_results');
    return r.rowCount === 3 ? true : undefined;
  });
});
afterAll(async () => {
  await p?.close();
  await sim?.close();
  await db?.drop();
});

function cli(...args: string[]): Promise<string> {
  const config = testConfig({ DATABASE_URL: db.url, ANTHROPIC_BASE_URL: sim.url });
  return captureLog(() => buildCli(() => config).parseAsync(['node', 'ticket-qc', ...args]));
}

describe('chief and review commands', () => {
  it('run-once → list → show (plain diff off a TTY) → approve → restore', async () => {
    await seedFailures(
      db,
      tickets.map((t) => ({ ticketId: t })),
    );
    expect(await cli('chief', 'run-once')).toMatch(
      /1 repeated failure\(s\) found; 1 proposal\(s\) offered for review, 0 recorded without an offer\n {2}#1 pending triage\/insufficient_detail → context\/agents\/triage\.md/,
    );
    expect(await cli('proposals', 'list')).toMatch(/#1\s+pending\s+triage\/insufficient_detail/);
    const shown = await cli('proposals', 'show', '1');
    // Triage proposals are backtested since the triage agent runs live (issue 15).
    expect(shown).toMatch(/Backtest with \S+: \d+ fixed, \d+ unchanged, \d+ regressed/);
    expect(shown).toContain('--- a/context/agents/triage.md');
    expect(shown).not.toContain('\u001b[');
    // The backtest fixed nothing: as on the review page, approving needs the lead's reason.
    await expect(cli('proposals', 'approve', '1', '--reviewer', 'dana')).rejects.toThrow(
      /--note is required: the backtest fixed nothing/,
    );
    expect(await cli('proposals', 'approve', '1', '--reviewer', 'dana', '--note', 'ok')).toBe(
      'approved #1: context/agents/triage.md is now v2',
    );
    expect(await cli('proposals', 'restore', '1', '--reviewer', 'dana')).toBe(
      'restored: context/agents/triage.md v1 is active again',
    );
    const versions = await cli(
      'proposals',
      'restore',
      '--file',
      'agents/triage.md',
      '--list',
      '--reviewer',
      'dana',
    );
    expect(versions).toMatch(/^v2 .*dana\s+proposal #1: ok\nv1 \(active\)/);
    const audit = await db.pool.query<{ action: string; actor: string; from: string | null }>(
      "SELECT action, actor, details->>'reviewerFrom' AS from FROM review_audit ORDER BY id",
    );
    expect(audit.rows).toEqual([
      { action: 'proposal.approve', actor: 'dana', from: 'flag' },
      { action: 'context.restore', actor: 'dana', from: 'flag' },
    ]);
  });

  it('overrides add writes an override and a failure event; overrides list shows it', async () => {
    const ext = await db.pool.query<{
      source: string;
      external_id: string;
      verdict: { outcome: string };
    }>(
      'SELECT t.source, t.external_id, r.verdict FROM tickets t JOIN qc_results r ON r.ticket_id = t.id WHERE t.id = $1',
      [tickets[0]],
    );
    const row = ext.rows[0];
    const to = row?.verdict.outcome === 'pass' ? 'fail' : 'pass';
    const out = await cli(
      'overrides',
      'add',
      '--ticket',
      row?.external_id ?? '',
      '--verdict',
      to,
      '--reason',
      'the customer confirmed by phone',
      '--reviewer',
      'lee',
    );
    expect(out).toBe(
      `override #1: ${row?.source}#${row?.external_id} outcome ${row?.verdict.outcome} → ${to} (lee)`,
    );
    const events = await db.pool.query<{
      kind: string;
      category: string;
      details: { kind: string };
    }>(
      "SELECT kind, category, details FROM agent_events WHERE kind IN ('override', 'failure') AND agent = 'qc-worker' ORDER BY id",
    );
    expect(events.rows.map((e) => [e.kind, e.category, e.details.kind])).toEqual([
      ['override', 'override', 'override'],
      ['failure', 'override', 'override'],
    ]);
    expect(await cli('overrides', 'list')).toMatch(
      /#1 .* outcome .* → .* lee: the customer confirmed by phone/,
    );
    await expect(
      cli(
        'overrides',
        'add',
        '--ticket',
        String(tickets[0]),
        '--criterion',
        'nope',
        '--verdict',
        'met',
        '--reason',
        'x',
        '--reviewer',
        'lee',
      ),
    ).rejects.toThrow(/unknown criterion "nope"/);
  });
});
