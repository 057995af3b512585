import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChiefPass } from '../../src/chief/pass.js';
import { buildCli } from '../../src/cli/index.js';
import { captureLog } from '../helpers/cli.js';
import { testConfig } from '../helpers/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { storeExamples } from '../helpers/pipeline.js';
import { chiefHarness, proposalRows, seedFailures } from './helpers.js';

/**
 * Not every failure is a prompt problem: when the evidence is operational the
 * chief's model may answer not_a_context_problem, which is recorded and shown,
 * never turned into a diff. And `chief run-once` whose model calls all fail
 * exits non-zero and stores nothing.
 */

let db: TestDb;
let sim: Simulator;
let tickets: number[] = [];

beforeAll(async () => {
  db = await createTestDb();
  sim = await startSimulator({ seed: 4, noise: 0 });
  tickets = await storeExamples(db, 6);
});
afterAll(async () => {
  await sim?.close();
  await db?.drop();
});

describe('not a context problem', () => {
  it('operational evidence → recorded as not_a_context_problem with the reason, no diff, not offered', async () => {
    await seedFailures(
      db,
      tickets.slice(0, 3).map((t) => ({
        ticketId: t,
        category: 'insufficient_detail',
        details: {
          kind: 'attribution',
          note: 'ticket truncated before grading: 40000 characters omitted from the middle',
        },
      })),
    );
    const r = await runChiefPass(chiefHarness(db, sim.url).deps);
    expect(r.proposals.map((x) => x.status)).toEqual(['not_a_context_problem']);
    const [row] = await proposalRows(db);
    expect(row?.diff).toBeNull();
    expect(row?.status).toBe('not_a_context_problem');
    expect(row?.refusal_reason).toMatch(
      /^not_a_context_problem: 3 of 3 tickets .* failed for operational reasons/,
    );
    const shown = await captureLog(() =>
      buildCli(() => testConfig({ DATABASE_URL: db.url, ANTHROPIC_BASE_URL: sim.url })).parseAsync([
        'node',
        'ticket-qc',
        'proposals',
        'show',
        String(row?.id),
      ]),
    );
    expect(shown).toMatch(/Answer: not a context problem/);
    expect(shown).toMatch(/Why this is likely real: 3 distinct tickets/);
  });

  it('chief run-once whose model calls all fail → exit code 1, nothing stored', async () => {
    await db.pool.query('TRUNCATE prompt_proposals, agent_events CASCADE');
    await seedFailures(
      db,
      tickets.slice(3, 6).map((t) => ({ ticketId: t, category: 'insufficient_detail' })),
    );
    const locked = await startSimulator({ apiKey: 'the-right-key' });
    const before = process.exitCode;
    try {
      const config = testConfig({
        DATABASE_URL: db.url,
        ANTHROPIC_BASE_URL: locked.url,
        ANTHROPIC_API_KEY: 'a-wrong-key',
      });
      const out = await captureLog(() =>
        buildCli(() => config).parseAsync(['node', 'ticket-qc', 'chief', 'run-once']),
      );
      expect(out).toMatch(/error: triage\/insufficient_detail: /);
      expect(process.exitCode).toBe(1);
      expect(await proposalRows(db)).toEqual([]);
    } finally {
      process.exitCode = before;
      await locked.close();
    }
  });
});
