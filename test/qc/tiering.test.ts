import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { upsertTicket } from '../../src/db/tickets.js';
import { readJsonl } from '../../src/import/jsonl.js';
import type { Ticket } from '../../src/ticket/schema.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { type Pipeline, startPipeline, waitFor } from '../helpers/pipeline.js';

let db: TestDb;
let sim: Simulator;
let p: Pipeline | undefined;
const byId = new Map<string, Ticket>();

beforeAll(async () => {
  sim = await startSimulator({ seed: 9, noise: 0 });
  for await (const row of readJsonl('examples/tickets.jsonl'))
    if (row.ok) byId.set(row.ticket.externalId, row.ticket);
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  await p?.close();
  p = undefined;
  await db.drop();
});

async function grade(
  externalIds: string[],
  env: Record<string, string> = {},
  random?: () => number,
) {
  db = await createTestDb();
  p = await startPipeline(db, sim.url, env);
  const ids: number[] = [];
  for (const x of externalIds) ids.push((await upsertTicket(db.pool, byId.get(x) as Ticket)).id);
  await p.startWorker({ concurrency: 2, ...(random ? { random } : {}) });
  await p.enqueue(ids);
  await waitFor('results', async () => {
    const r = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM qc_results');
    return r.rows[0]?.n === ids.length;
  });
  return ids;
}

describe('tiering: Sonnet only for a reason', () => {
  it('an escalation rule that asks for a second opinion → the strong model decides', async () => {
    await grade(['EX-1073']); // a security incident
    const r = await db.pool.query<{
      outcome: string;
      tier: string;
      tier_reason: string;
      model: string;
      shadow: { kind: string };
    }>('SELECT outcome, tier, tier_reason, model, shadow FROM qc_results');
    expect(r.rows[0]).toMatchObject({
      outcome: 'escalate',
      tier: 'strong',
      tier_reason: 'second_opinion:security_incident',
    });
    expect(r.rows[0]?.model).toBe(p?.config.QC_STRONG_MODEL);
    expect(r.rows[0]?.shadow.kind).toBe('tier_up'); // both verdicts compared
    const esc = await db.pool.query<{ rule: string; status: string }>(
      'SELECT rule, status FROM escalations',
    );
    expect(esc.rows).toContainEqual({ rule: 'security_incident', status: 'open' });
  });

  it('a rule without second opinion stays on the base model', async () => {
    await grade(['EX-1145']); // a billing dispute
    const r = await db.pool.query<{
      outcome: string;
      tier: string;
      tier_reason: string;
      verdict: unknown;
    }>('SELECT outcome, tier, tier_reason, verdict FROM qc_results');
    expect(r.rows[0], JSON.stringify(r.rows[0])).toMatchObject({
      outcome: 'escalate',
      tier: 'base',
    });
  });

  it('confidence below QC_MIN_CONFIDENCE → tier-up and a low_confidence failure event', async () => {
    await grade(['EX-1001'], { QC_MIN_CONFIDENCE: '0.99' });
    const r = await db.pool.query<{ tier: string; tier_reason: string }>(
      'SELECT tier, tier_reason FROM qc_results',
    );
    expect(r.rows[0]).toEqual({ tier: 'strong', tier_reason: 'low_confidence' });
    const f = await db.pool.query(
      "SELECT agent FROM agent_events WHERE kind = 'failure' AND category = 'low_confidence'",
    );
    expect(f.rows).toEqual([{ agent: 'qc-worker' }]);
  });

  it('a shadow sample is graded by both; the base verdict stands and disagreements are failure events', async () => {
    sim.setOptions({ modelNoise: { [p?.config.QC_STRONG_MODEL ?? 'claude-sonnet-4-6']: 0.5 } });
    try {
      const ids = [...byId.keys()].filter((x) => !['EX-1001'].includes(x)).slice(20, 26);
      await grade(ids, { QC_SHADOW_RATE: '1' }, () => 0);
    } finally {
      sim.setOptions({ modelNoise: {} });
    }
    const r = await db.pool.query<{
      tier: string;
      shadow: { kind: string; agreed: number; total: number };
    }>('SELECT tier, shadow FROM qc_results WHERE tier_reason IS NULL');
    expect(r.rows.length).toBeGreaterThan(0);
    for (const row of r.rows) {
      expect(row.tier).toBe('base');
      expect(row.shadow.kind).toBe('shadow');
      expect(row.shadow.total).toBe(10);
    }
    const disagreed = r.rows.reduce((s, x) => s + x.shadow.total - x.shadow.agreed, 0);
    const failures = await db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM agent_events WHERE kind = 'failure' AND details->>'kind' = 'shadow_disagreement'",
    );
    expect(disagreed).toBeGreaterThan(0);
    expect(failures.rows[0]?.n).toBe(disagreed);
    const calls = await db.pool.query<{ purpose: string; n: number }>(
      "SELECT purpose, count(*)::int AS n FROM agent_events WHERE kind = 'llm_call' GROUP BY purpose",
    );
    expect(Object.fromEntries(calls.rows.map((c) => [c.purpose, c.n])).shadow).toBe(r.rows.length);
  });
});
