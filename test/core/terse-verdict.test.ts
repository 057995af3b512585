import { describe, expect, it } from 'vitest';
import { readContextDir } from '../../src/context/files.js';
import {
  applyPolicy,
  buildVerdictSchema,
  outcomeOf,
  type ToolVerdict,
  verdictFromTool,
} from '../../src/context/verdict.js';
import { buildVocabulary } from '../../src/context/vocab.js';

const vocab = buildVocabulary(await readContextDir('context'));
const schema = buildVerdictSchema(vocab);
const ids = vocab.criteria.map((c) => c.id);

function input(over: Partial<ToolVerdict> = {}): ToolVerdict {
  return {
    results: Object.fromEntries(ids.map((id) => [id, 'met'])) as ToolVerdict['results'],
    notes: [],
    missing_information: [],
    escalations: [],
    attributions: [],
    patterns: [],
    confidence: 0.9,
    summary: 'No gaps found.',
    ...over,
  };
}

describe('the terse record_verdict input (issue 12)', () => {
  it('does not ask the model for outcome or score, and refuses them', () => {
    const props = Object.keys(
      (schema as unknown as { shape: Record<string, unknown> }).shape ?? {},
    );
    expect(props).not.toContain('outcome');
    expect(props).not.toContain('score');
    expect(schema.safeParse(input()).success).toBe(true);
    expect(schema.safeParse({ ...input(), outcome: 'pass' }).success).toBe(true); // stripped
    expect(schema.parse({ ...input(), outcome: 'pass', score: 100 })).not.toHaveProperty('score');
  });

  it('needs a result for every criterion and at most one note per criterion', () => {
    const { [ids[0] as string]: _gone, ...rest } = input().results;
    expect(schema.safeParse(input({ results: rest as ToolVerdict['results'] })).success).toBe(
      false,
    );
    const twice = [
      { criterion: ids[1] as string, evidence: '', missing: 'x' },
      { criterion: ids[1] as string, evidence: '', missing: 'y' },
    ];
    expect(schema.safeParse(input({ notes: twice })).success).toBe(false);
  });

  it('becomes the stored verdict: rubric order, notes on unmet criteria only, code-computed outcome', () => {
    const [a, b] = ids as [string, string];
    const t = input({
      results: { ...input().results, [a]: 'missing', [b]: 'met' },
      notes: [
        { criterion: b, evidence: 'a quote', missing: 'ignored: the criterion is met' },
        { criterion: a, evidence: '', missing: 'No problem statement.' },
      ],
      missing_information: ['The thread is incomplete.', 'No problem statement.'],
    });
    const v = applyPolicy(verdictFromTool(schema.parse(t) as ToolVerdict, vocab), vocab);
    expect(v.criteria.map((c) => c.criterion)).toEqual(ids);
    expect(v.criteria[0]).toEqual({
      criterion: a,
      result: 'missing',
      evidence: '',
      missing: 'No problem statement.',
    });
    expect(v.criteria[1]).toMatchObject({ result: 'met', evidence: '', missing: '' });
    expect(v.missing_information).toEqual(['No problem statement.', 'The thread is incomplete.']);
    const expected = outcomeOf(
      Object.fromEntries(v.criteria.map((c) => [c.criterion, c.result])),
      false,
      vocab.criteria,
    );
    expect(v.score).toBeLessThan(100);
    expect({ score: v.score, outcome: v.outcome }).toEqual(expected);
  });
});
