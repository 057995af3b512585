import { describe, expect, it } from 'vitest';
import { bootstrapDifference, compareRuns, mcnemarExact } from '../../src/eval/compare.js';
import { autoFailOf, rulesOf } from '../../src/eval/rules.js';

/** The numbers `eval` and `eval compare` report, on small tables worked by hand. */

describe('McNemar exact test', () => {
  it('matches the binomial tail worked by hand', () => {
    // b = 1, c = 9: p = 2 · (C(10,0) + C(10,1)) / 2^10 = 22 / 1024.
    expect(mcnemarExact(1, 9)).toBeCloseTo(22 / 1024, 10);
    expect(mcnemarExact(9, 1)).toBeCloseTo(22 / 1024, 10);
    // Balanced discordance is no evidence either way; no discordance at all, none either.
    expect(mcnemarExact(5, 5)).toBe(1);
    expect(mcnemarExact(0, 0)).toBe(1);
    // b = 0, c = 6: 2 / 64.
    expect(mcnemarExact(0, 6)).toBeCloseTo(2 / 64, 10);
  });
});

describe('paired bootstrap', () => {
  it('is reproducible, brackets the observed difference, and is 0…0 for identical runs', () => {
    const pairs = [
      ...Array.from({ length: 30 }, () => [true, true] as const),
      ...Array.from({ length: 8 }, () => [false, true] as const),
      ...Array.from({ length: 2 }, () => [true, false] as const),
    ];
    const a = bootstrapDifference(pairs, 2000, 3);
    expect(bootstrapDifference(pairs, 2000, 3)).toEqual(a);
    const observed = 6 / 40;
    expect(a.low).toBeLessThan(observed);
    expect(a.high).toBeGreaterThan(observed);
    expect(a.low).toBeGreaterThan(0); // 8 fixed vs 2 broken on 40: clearly better
    expect(bootstrapDifference(pairs.map(([x]) => [x, x] as const))).toMatchObject({
      low: 0,
      high: 0,
    });
  });
});

describe('compareRuns', () => {
  it('lists every flip with its kind and counts the discordant pairs', () => {
    const item = (externalId: string, goldOutcome: string, outcome: string | null) => ({
      externalId,
      goldOutcome,
      outcome,
    });
    const A = [
      item('T1', 'pass', 'fail'),
      item('T2', 'fail', 'fail'),
      item('T3', 'escalate', 'fail'),
      item('T4', 'pass', 'pass'),
      item('T5', 'pass', 'pass'),
    ];
    const B = [
      item('T1', 'pass', 'pass'),
      item('T2', 'fail', 'pass'),
      item('T3', 'escalate', null),
      item('T4', 'pass', 'pass'),
      item('T6', 'pass', 'pass'),
    ];
    const c = compareRuns(A, B);
    expect(c).toMatchObject({ paired: 4, onlyA: 1, onlyB: 1, b: 1, c: 1, mcnemarP: 1 });
    expect(c.flips).toEqual([
      { externalId: 'T1', gold: 'pass', a: 'fail', b: 'pass', kind: 'fixed' },
      { externalId: 'T2', gold: 'fail', a: 'fail', b: 'pass', kind: 'broke' },
      { externalId: 'T3', gold: 'escalate', a: 'fail', b: null, kind: 'changed' },
    ]);
  });
});

describe('escalation recall and precision per rule; auto-fail precision per criterion', () => {
  const row = (
    gold: string[],
    raised: string[] | undefined,
    crit: Record<string, string>,
    g: Record<string, string>,
  ) => ({
    gold: { escalations: gold, criteria: g },
    outcome: raised === undefined ? undefined : 'fail',
    escalations: raised ?? [],
    criteria: crit,
  });
  it('a rule gold has on 4 tickets and the grader never raises → recall 0/4, visible', () => {
    const items = [
      row(['data_loss'], [], {}, {}),
      row(['data_loss'], ['security_incident'], {}, {}),
      row(['data_loss'], undefined, {}, {}), // could not be graded: a miss
      row(['data_loss', 'security_incident'], ['security_incident'], {}, {}),
      row([], ['security_incident'], {}, {}),
    ];
    const r = rulesOf(items, ['data_loss', 'security_incident', 'vip']);
    expect(r.data_loss).toEqual({ gold: 4, raised: 0, caught: 0, recall: 0, precision: null });
    expect(r.security_incident).toEqual({
      gold: 1,
      raised: 3,
      caught: 1,
      recall: 1,
      precision: 0.3333,
    });
    expect(r.vip).toBeUndefined(); // neither in gold nor raised
  });
  it('auto-fail precision: of the tickets the criterion failed, how many gold agrees with', () => {
    const items = [
      row([], [], { safety: 'missing' }, { safety: 'missing' }),
      row([], [], { safety: 'partial' }, { safety: 'met' }),
      row([], [], { safety: 'met' }, { safety: 'missing' }),
      row([], [], { safety: 'missing' }, {}), // gold silent: not counted
    ];
    expect(autoFailOf(items, ['safety']).safety).toEqual({
      fired: 2,
      right: 1,
      goldNotMet: 2,
      precision: 0.5,
      recall: 0.5,
    });
  });
});
