import { describe, expect, it } from 'vitest';
import { readContextDir } from '../../src/context/files.js';
import {
  applyPolicy,
  buildVerdictSchema,
  outcomeOf,
  summaryOf,
  TEXT_CAPS,
  type ToolVerdict,
  verdictFromTool,
  verdictJsonSchema,
} from '../../src/context/verdict.js';
import { buildVocabulary } from '../../src/context/vocab.js';

const vocab = buildVocabulary(await readContextDir('context'));
const schema = buildVerdictSchema(vocab);
const ids = vocab.criteria.map((c) => c.id);

function input(over: Partial<ToolVerdict> = {}): ToolVerdict {
  return {
    results: Object.fromEntries(ids.map((id) => [id, 'met'])) as ToolVerdict['results'],
    confidence: 0.9,
    ...over,
  };
}

describe('the terse record_verdict input (issue 12)', () => {
  it('does not ask the model for outcome, score or summary, and refuses them', () => {
    const props = Object.keys(
      (schema as unknown as { shape: Record<string, unknown> }).shape ?? {},
    );
    expect(props).not.toContain('outcome');
    expect(props).not.toContain('score');
    expect(props).not.toContain('summary');
    expect(schema.safeParse(input()).success).toBe(true);
    expect(schema.safeParse({ ...input(), outcome: 'pass' }).success).toBe(true); // stripped
    expect(schema.parse({ ...input(), outcome: 'pass', score: 100 })).not.toHaveProperty('score');
  });

  it('needs a result for every criterion; notes and quotes are maps keyed by criterion id', () => {
    const { [ids[0] as string]: _gone, ...rest } = input().results;
    expect(schema.safeParse(input({ results: rest as ToolVerdict['results'] })).success).toBe(
      false,
    );
    const [a] = ids as [string];
    expect(schema.safeParse(input({ notes: { [a]: 'No printer model.' } })).success).toBe(true);
    expect(schema.safeParse(input({ notes: { not_a_criterion: 'x' } })).success).toBe(false);
    expect(schema.safeParse(input({ notes: { [a]: '' } })).success).toBe(false);
    expect(
      schema.safeParse(input({ evidence: { [a]: 'x'.repeat(TEXT_CAPS.evidence + 1) } })).success,
    ).toBe(false);
  });

  it('sends a tool schema whose lists and maps are optional and whose notes are keyed by criterion', () => {
    const json = verdictJsonSchema(schema) as {
      required: string[];
      properties: Record<string, { type?: string; propertyNames?: { enum?: string[] } }>;
    };
    expect(json.required.sort()).toEqual(['confidence', 'results']);
    expect(Object.keys(json.properties).sort()).toEqual(
      [
        'attributions',
        'confidence',
        'escalations',
        'evidence',
        'missing_information',
        'notes',
        'patterns',
        'results',
      ].sort(),
    );
    for (const key of ['notes', 'evidence']) {
      expect(json.properties[key]?.type).toBe('object');
      expect(json.properties[key]?.propertyNames?.enum).toEqual(ids);
    }
  });

  it('becomes the stored verdict: rubric order, notes on unmet criteria only, code-computed outcome and summary', () => {
    const [a, b] = ids as [string, string];
    const t = input({
      results: { ...input().results, [a]: 'missing', [b]: 'met' },
      notes: { [b]: 'ignored: the criterion is met', [a]: 'No problem statement.' },
      evidence: { [b]: 'a quote' },
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
    expect(v.escalations).toEqual([]);
    expect(v.patterns).toEqual([]);
    expect(v.attributions).toEqual([]);
    expect(v.summary).toBe(`Not met: ${a} missing. ${a}: No problem statement.`);
    const expected = outcomeOf(
      Object.fromEntries(v.criteria.map((c) => [c.criterion, c.result])),
      false,
      vocab.criteria,
    );
    expect(v.score).toBeLessThan(100);
    expect({ score: v.score, outcome: v.outcome }).toEqual(expected);
  });

  it('writes the summary in code: the escalation first, then unmet criteria auto-fail and heaviest first', () => {
    const row = (criterion: string, result: ToolVerdict['results'][string], missing = '') => ({
      criterion,
      result,
      evidence: '',
      missing,
    });
    const autoFail = vocab.criteria.find((c) => c.autoFail);
    const light = [...vocab.criteria]
      .filter((c) => !c.autoFail)
      .sort((x, y) => x.weight - y.weight)[0];
    if (!autoFail || !light) throw new Error('the rubric needs an auto-fail and a plain criterion');
    const criteria = [
      row(light.id, 'partial', 'Light gap.'),
      row(autoFail.id, 'missing', 'Secret.'),
    ];
    expect(summaryOf({ criteria, escalations: [] }, vocab.criteria)).toBe(
      `Not met: ${autoFail.id} missing, ${light.id} partial. ${autoFail.id}: Secret.`,
    );
    const escalations = [{ rule: vocab.rules[0]?.id ?? 'x', reason: 'r'.repeat(400) }];
    const s = summaryOf({ criteria, escalations }, vocab.criteria);
    expect(s.startsWith(`Escalated under ${escalations[0]?.rule}: rrr`)).toBe(true);
    expect([...s].length).toBe(TEXT_CAPS.summary);
    expect(summaryOf({ criteria: [row(light.id, 'met')], escalations: [] }, vocab.criteria)).toBe(
      'Every criterion that applies is met.',
    );
  });
});
