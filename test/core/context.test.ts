import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readContextDir } from '../../src/context/files.js';
import { parsePassThreshold, parseRubric, parseSections } from '../../src/context/parse.js';
import { snapshotOf } from '../../src/context/store.js';
import { applyPolicy, outcomeOf, scoreOf, type Verdict } from '../../src/context/verdict.js';
import { buildVocabulary, categoriesOf, fileForQcCategory } from '../../src/context/vocab.js';
import { PriceTable } from '../../src/llm/prices.js';
import { qcContextOf } from '../../src/qc/context.js';
import { sha256Hex } from '../../src/ticket/hash.js';

const files = await readContextDir('context');
const vocab = buildVocabulary(files);
const snapshot = () =>
  snapshotOf(
    [...files].map(([file, content]) => ({
      file,
      version: 1,
      content,
      sha256: sha256Hex(content),
    })),
  );

describe('context files', () => {
  it('define the rubric, escalation rules, patterns and agent categories by id', () => {
    // Every `## \`id\`` heading of the file, in order: the parser neither drops nor invents one.
    const headings = (file: string) =>
      [...(files.get(file) ?? '').matchAll(/^## `([a-z][a-z0-9_]*)`/gm)].map((m) => m[1]);
    expect(vocab.criteria.map((c) => c.id)).toEqual(headings('rubric.md'));
    expect(vocab.criteria).toHaveLength(10);
    expect(vocab.rules.map((r) => r.id)).toEqual(headings('escalation.md'));
    expect(vocab.patterns.map((p) => p.id)).toEqual(headings('patterns.md'));
    // The example set's gold labels grade exactly these criteria (validated in full by
    // examples/validate-tickets.ts, which reads context/ through src/context/ too).
    const gold = JSON.parse(readFileSync('examples/tickets.jsonl', 'utf8').split('\n')[0] ?? '{}')
      .gold as { criteria: Record<string, string> };
    expect(Object.keys(gold.criteria)).toEqual(vocab.criteria.map((c) => c.id));
    expect(vocab.criteria.reduce((s, c) => s + c.weight, 0)).toBe(100);
    expect(vocab.criteria.find((c) => c.id === 'no_secrets')?.autoFail).toBe(true);
    // The rules the product and the simulator name in code.
    expect(vocab.rules.map((r) => r.id)).toEqual(
      expect.arrayContaining(['security_incident', 'billing_dispute', 'cannot_judge']),
    );
    expect(vocab.rules.find((r) => r.id === 'security_incident')?.secondOpinion).toBe(true);
    expect(vocab.rules.find((r) => r.id === 'billing_dispute')?.secondOpinion).toBe(false);
    expect(vocab.patterns.length).toBeGreaterThanOrEqual(10);
    expect(vocab.agents.triage).toContain('insufficient_detail');
  });

  it('closed vocabularies: the QC worker owns its failure kinds plus the context ids', () => {
    const qc = categoriesOf(vocab, 'qc-worker');
    expect(qc).toEqual(
      expect.arrayContaining([
        'schema_invalid',
        'low_confidence',
        'shadow_disagreement',
        'override',
        'root_cause',
      ]),
    );
    expect(categoriesOf(vocab, 'triage')).not.toContain('root_cause');
    expect(categoriesOf(vocab, 'nobody')).toEqual([]);
    expect(fileForQcCategory(vocab, 'root_cause')).toBe('rubric.md');
    expect(fileForQcCategory(vocab, 'data_loss')).toBe('escalation.md');
    expect(fileForQcCategory(vocab, 'schema_invalid')).toBe('agents/qc-worker.md');
  });

  it('refuses malformed files with the file and id named', () => {
    expect(() => parseRubric('## `a` — A\nWeight: 5\n## `a` — again\nWeight: 5\n')).toThrow(
      /rubric.md: id `a` appears twice/,
    );
    expect(() => parseRubric('## `a` — A\nno weight here\n')).toThrow(
      /`a` has no valid "Weight: N"/,
    );
    expect(
      parseSections('# Title\n## `x_y` — X\nbody\n## Notes\nignored').map((s) => s.id),
    ).toEqual(['x_y']);
  });

  it('the cached QC prefix exceeds Haiku 4.5’s 4,096-token minimum with a margin', () => {
    const ctx = qcContextOf(snapshot());
    expect(ctx.prefixTokens).toBeGreaterThan(
      new PriceTable().get('claude-haiku-4-5').minCacheTokens * 1.5,
    );
  });

  it('the QC context version covers the QC files and the tool schema, not other agents’ files', () => {
    const base = qcContextOf(snapshot()).version;
    const triageChanged = snapshotOf(
      [...files].map(([file, content]) => {
        const c = file === 'agents/triage.md' ? `${content}\nExtra line.\n` : content;
        return { file, version: 1, content: c, sha256: sha256Hex(c) };
      }),
    );
    expect(qcContextOf(triageChanged).version).toBe(base);
    const rubricChanged = snapshotOf(
      [...files].map(([file, content]) => {
        const c = file === 'rubric.md' ? `${content}\nExtra line.\n` : content;
        return { file, version: 1, content: c, sha256: sha256Hex(c) };
      }),
    );
    expect(qcContextOf(rubricChanged).version).not.toBe(base);
  });

  it('the tool schema carries the ids as enums and serializes deterministically', () => {
    const a = qcContextOf(snapshot());
    const b = qcContextOf(snapshot());
    expect(JSON.stringify(a.tool)).toBe(JSON.stringify(b.tool));
    const text = JSON.stringify(a.tool.input_schema);
    for (const id of [
      'root_cause',
      'grader_instruction',
      'insufficient_detail',
      'reboot_no_root_cause',
    ]) {
      expect(text).toContain(`"${id}"`);
    }
  });

  it('the scoring rule: the worked example of rubric.md, auto-fail, escalation and the pass mark', () => {
    const rubric = files.get('rubric.md') ?? '';
    expect(parsePassThreshold(rubric)).toBe(70);
    expect(parsePassThreshold(`${rubric}\nPass threshold: 80\n`)).toBe(80);
    expect(parsePassThreshold('no rule here')).toBe(70);
    // rubric.md: root_cause n/a, customer_communication partial, follow_up missing → 86, pass.
    const results = Object.fromEntries(vocab.criteria.map((c) => [c.id, 'met' as const]));
    const worked = {
      ...results,
      root_cause: 'n/a',
      customer_communication: 'partial',
      follow_up: 'missing',
    } as const;
    expect(outcomeOf(worked, false, vocab.criteria)).toEqual({ score: 86, outcome: 'pass' });
    expect(outcomeOf(worked, false, vocab.criteria, 90)).toEqual({ score: 86, outcome: 'fail' });
    expect(outcomeOf(worked, true, vocab.criteria).outcome).toBe('escalate');
    expect(outcomeOf({ ...results, no_secrets: 'partial' }, false, vocab.criteria)).toEqual({
      score: 96,
      outcome: 'fail',
    });
    expect(scoreOf({}, vocab.criteria)).toBe(0);
    // Nothing applicable scores 0; applyPolicy refuses such a verdict as not a grade.
    expect(
      scoreOf(Object.fromEntries(vocab.criteria.map((c) => [c.id, 'n/a'])), vocab.criteria),
    ).toBe(0);
    // applyPolicy is the same rule over a model's verdict; the first result per criterion counts.
    const verdict = {
      outcome: 'pass',
      score: 0,
      criteria: [
        ...Object.entries(worked).map(([criterion, result]) => ({
          criterion,
          result,
          evidence: '',
          missing: '',
        })),
        { criterion: 'root_cause', result: 'missing', evidence: '', missing: '' },
      ],
      missing_information: [],
      escalations: [],
      attributions: [],
      patterns: [],
      confidence: 0.9,
      summary: 's',
    } as Verdict;
    expect(applyPolicy(verdict, vocab)).toMatchObject({ score: 86, outcome: 'pass' });
  });
});
