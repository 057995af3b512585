import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readContextDir } from '../../src/context/files.js';
import { applyPolicy, type Verdict } from '../../src/context/verdict.js';
import { buildVocabulary } from '../../src/context/vocab.js';
import { upsertTicket } from '../../src/db/tickets.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { loadExamples, type Pipeline, startPipeline, waitFor } from '../helpers/pipeline.js';

// Defect 4 of issue 10: a verdict with every criterion n/a became pass / 100.

let db: TestDb;
let sim: Simulator;
let p: Pipeline | undefined;

beforeAll(async () => {
  sim = await startSimulator({ seed: 4, noise: 0 });
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  sim.setOptions({ faults: { allNa: 0 } });
  await p?.close();
  p = undefined;
  await db?.drop();
});

/** `every`: every model call answers all n/a; otherwise only the first one. */
async function gradeOne(allNa: 'every' | 'first') {
  db = await createTestDb();
  p = await startPipeline(db, sim.url);
  const [example] = await loadExamples(1); // EX-1001: a well-documented ticket that passes
  const stored = await upsertTicket(db.pool, example?.ticket as never);
  sim.setOptions({ faults: { allNa: allNa === 'every' ? 1 : 0 } });
  if (allNa === 'first') sim.injectFaults('allNa', 1);
  await p.startWorker({ concurrency: 1 });
  await p.enqueue([stored.id]);
  await waitFor('the result', async () => {
    const r = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM qc_results');
    return r.rows[0]?.n === 1;
  });
  const r = await db.pool.query<{
    outcome: string;
    score: number;
    confidence: string;
    tier: string;
    tier_reason: string | null;
    verdict: Verdict;
  }>('SELECT outcome, score, confidence, tier, tier_reason, verdict FROM qc_results');
  const esc = await db.pool.query<{ rule: string }>('SELECT rule FROM escalations');
  return { row: r.rows[0], rules: esc.rows.map((e) => e.rule) };
}

describe('an all-n/a verdict is never a pass', () => {
  it('both models answer all n/a → cannot_judge escalation, score 0, confidence 0', async () => {
    const { row, rules } = await gradeOne('every');
    expect(row?.outcome).toBe('escalate');
    expect(rules).toEqual(['cannot_judge']);
    expect(row?.score).toBe(0);
    expect(Number(row?.confidence)).toBe(0);
    expect(row?.tier).toBe('strong'); // the base verdict was sent for a second opinion
    expect(row?.verdict.escalations[0]?.reason).toMatch(/applicable|n\/a/);
  });

  it('only the base model answers all n/a → the strong model grades the ticket', async () => {
    const { row, rules } = await gradeOne('first');
    expect(row?.tier).toBe('strong');
    expect(row?.outcome).toBe('pass');
    expect(rules).toEqual([]);
    const na = row?.verdict.criteria.filter((c) => c.result === 'n/a').length ?? 0;
    expect(na).toBeLessThan(7);
  });
});

describe('the scoring rule (context/rubric.md)', () => {
  const verdict = (results: Record<string, Verdict['criteria'][number]['result']>): Verdict => ({
    outcome: 'pass',
    score: 100,
    criteria: Object.entries(results).map(([criterion, result]) => ({
      criterion,
      result,
      evidence: '',
      missing: '',
    })),
    missing_information: [],
    escalations: [],
    attributions: [],
    patterns: [],
    confidence: 0.95,
    summary: 's',
  });

  it('reads the minimum of applicable criteria from the rubric', async () => {
    const vocab = buildVocabulary(await readContextDir('context'));
    expect(vocab.minApplicable).toBe(4);
    expect(vocab.criteria.filter((c) => !c.naAllowed).map((c) => c.id)).toEqual([
      'problem_statement',
      'classification',
      'no_secrets',
    ]);
  });

  it('an auto-fail criterion marked n/a is cannot_judge, not a pass', async () => {
    const vocab = buildVocabulary(await readContextDir('context'));
    const all = Object.fromEntries(vocab.criteria.map((c) => [c.id, 'met' as const]));
    const v = applyPolicy(verdict({ ...all, no_secrets: 'n/a' }), vocab);
    expect(v.outcome).toBe('escalate');
    expect(v.escalations.map((e) => e.rule)).toEqual(['cannot_judge']);
    expect(v.confidence).toBe(0);
  });

  it('fewer applicable criteria than the minimum → cannot_judge; at the minimum → graded', async () => {
    const vocab = buildVocabulary(await readContextDir('context'));
    const na = Object.fromEntries(vocab.criteria.map((c) => [c.id, 'n/a' as const]));
    const three = { ...na, problem_statement: 'met', classification: 'met', no_secrets: 'met' };
    const below = applyPolicy(verdict(three as never), vocab);
    expect(below.outcome).toBe('escalate');
    expect(below.escalations[0]?.rule).toBe('cannot_judge');
    const four = applyPolicy(verdict({ ...three, work_requested: 'met' } as never), vocab);
    expect(four.outcome).toBe('pass');
    expect(four.escalations).toEqual([]);
    expect(four.confidence).toBe(0.95);
  });

  it('a model-recorded cannot_judge keeps its own reason and is not doubled', async () => {
    const vocab = buildVocabulary(await readContextDir('context'));
    const na = Object.fromEntries(vocab.criteria.map((c) => [c.id, 'n/a' as const]));
    const v = verdict(na);
    v.escalations = [{ rule: 'cannot_judge', reason: 'the ticket is empty' }];
    const out = applyPolicy(v, vocab);
    expect(out.escalations).toEqual([{ rule: 'cannot_judge', reason: 'the ticket is empty' }]);
    expect(out.outcome).toBe('escalate');
  });
});
