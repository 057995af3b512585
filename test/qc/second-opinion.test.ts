import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ruleAgreement, secondOpinionSavings } from '../../src/db/second-opinions.js';
import { upsertTicket } from '../../src/db/tickets.js';
import { addOverride } from '../../src/decisions/overrides.js';
import { readJsonl } from '../../src/import/jsonl.js';
import { policyFor, wilsonLower } from '../../src/qc/second-opinion.js';
import type { Ticket } from '../../src/ticket/schema.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { type Pipeline, startPipeline, waitFor } from '../helpers/pipeline.js';

const SETTINGS = {
  threshold: 0.95,
  minSamples: 30,
  window: 200,
  sampleRate: 0.1,
  alwaysOn: ['data_loss'],
  z: 1.645,
};

describe('the Wilson lower bound decides when a rule has earned sampling', () => {
  it('30 of 30 is not enough at 95 %; 52 of 52 is; one miss in 60 is not', () => {
    expect(wilsonLower(30, 30, 1.645)).toBeLessThan(0.95);
    expect(wilsonLower(52, 52, 1.645)).toBeGreaterThanOrEqual(0.95);
    expect(wilsonLower(59, 60, 1.645)).toBeLessThan(0.95);
    expect(wilsonLower(0, 0, 1.645)).toBe(0);
  });

  it('sample rate: 1 until earned, the low rate once earned, 1 again for pinned rules', () => {
    expect(policyFor('r', { rule: 'r', n: 29, agreed: 29 }, SETTINGS).rate).toBe(1);
    expect(policyFor('r', { rule: 'r', n: 60, agreed: 60 }, SETTINGS).rate).toBe(0.1);
    expect(policyFor('r', { rule: 'r', n: 60, agreed: 58 }, SETTINGS).rate).toBe(1);
    expect(
      policyFor('data_loss', { rule: 'data_loss', n: 500, agreed: 500 }, SETTINGS),
    ).toMatchObject({ rate: 1, pinned: true });
  });
});

describe('second opinions earned, end to end', () => {
  let db: TestDb;
  let sim: Simulator;
  let p: Pipeline | undefined;
  let ticket: Ticket;
  beforeAll(async () => {
    sim = await startSimulator({ seed: 9, noise: 0 });
    for await (const row of readJsonl('examples/tickets.jsonl'))
      if (row.ok && row.ticket.externalId === 'EX-1073') ticket = row.ticket; // a security incident
  });
  afterAll(async () => {
    await sim.close();
  });
  afterEach(async () => {
    await p?.close();
    p = undefined;
    await db.drop();
  });

  async function gradeWithHistory(env: Record<string, string>, agreed: number) {
    db = await createTestDb();
    p = await startPipeline(db, sim.url, env);
    const id = (await upsertTicket(db.pool, ticket)).id;
    // The rule's history: `agreed` second opinions, all keeping the base outcome.
    await db.pool.query(
      `INSERT INTO second_opinions (rule, ticket_id, sampled, outcome_agreed, sample_rate, strong_cost_usd)
       SELECT 'security_incident', $1, true, true, 1, 0.0150 FROM generate_series(1, $2)`,
      [id, agreed],
    );
    // 0.5 ≥ the 10 % sample rate: an earned rule skips the second opinion.
    await p.startWorker({ concurrency: 1, random: () => 0.5 });
    await p.enqueue([id]);
    await waitFor('result', async () => {
      const r = await db.pool.query('SELECT 1 FROM qc_results');
      return (r.rowCount ?? 0) > 0;
    });
    const r = await db.pool.query<{ id: number; tier: string; tier_reason: string | null }>(
      'SELECT id, tier, tier_reason FROM qc_results',
    );
    const last = await db.pool.query<{ sampled: boolean; sample_rate: string }>(
      `SELECT sampled, sample_rate FROM second_opinions WHERE result_id IS NOT NULL`,
    );
    return { id, result: r.rows[0], recorded: last.rows };
  }

  it('an earned rule is sampled: no tier-up this time, the skip is recorded and counted as saved', async () => {
    const g = await gradeWithHistory({ QC_SECOND_OPINION_ALWAYS: '' }, 60);
    expect(g.result).toMatchObject({ tier: 'base', tier_reason: null });
    expect(g.recorded).toEqual([{ sampled: false, sample_rate: '0.1000' }]);
    const [saved] = await secondOpinionSavings(db.pool, new Date(0));
    expect(saved).toMatchObject({ rule: 'security_incident', fired: 61, skipped: 1 });
    expect(saved?.savedUsd).toBeCloseTo(0.015, 6);

    // A reviewer overturning that outcome restores always-on for the rule.
    await addOverride(db.pool, {
      ticketId: g.id,
      verdict: 'fail',
      reason: 'the incident was contained and documented',
      reviewer: 'lead',
    });
    expect(await ruleAgreement(db.pool, 200)).toEqual([]);
  });

  it('a pinned rule always gets its second opinion, however good its record', async () => {
    const g = await gradeWithHistory({}, 60); // default: security_incident,data_loss pinned
    expect(g.result).toMatchObject({
      tier: 'strong',
      tier_reason: 'second_opinion:security_incident',
    });
    expect(g.recorded).toEqual([{ sampled: true, sample_rate: '1.0000' }]);
  });

  it('a rule without enough history is always asked', async () => {
    const g = await gradeWithHistory({ QC_SECOND_OPINION_ALWAYS: '' }, 20);
    expect(g.result).toMatchObject({ tier: 'strong' });
  });
});
