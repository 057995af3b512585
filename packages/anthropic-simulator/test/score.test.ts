import { describe, expect, it } from 'vitest';
import { outcomeOf, scoreOf } from '../src/grading/score.js';
import { readPassThreshold, readRubric } from '../src/grading/vocab.js';
import { CRITERIA, readContextFile } from './context-vocab.js';

/** The rubric's rule as the simulator applies it, with the weights and pass mark of the rubric it is sent. */
describe('score and outcome from the rubric in the prompt', () => {
  const text = readContextFile('rubric.md');
  const rubric = { ...readRubric(text), passThreshold: readPassThreshold(text) };

  it('reads the pass mark the rubric states, as the product does', () => {
    expect(rubric.passThreshold).toBe(70);
    expect(readPassThreshold(`${text}\nPass threshold: 85\n`)).toBe(85);
    expect(readPassThreshold('- **Pass threshold:** 60')).toBe(60);
    expect(readPassThreshold('no rubric in this prompt')).toBe(70);
    expect([...rubric.weights.keys()]).toEqual(CRITERIA);
  });

  it('reproduces the worked example of context/rubric.md and moves with the pass mark', () => {
    const worked = CRITERIA.map((id) => {
      const r = { root_cause: 'n/a', customer_communication: 'partial', follow_up: 'missing' }[
        id as string
      ];
      return [id, r ?? 'met'] as const;
    });
    expect(outcomeOf(worked, false, rubric)).toMatchObject({ score: 86, outcome: 'pass' });
    expect(outcomeOf(worked, false, { ...rubric, passThreshold: 90 })).toMatchObject({
      score: 86,
      outcome: 'fail',
    });
    expect(outcomeOf(worked, true, rubric).outcome).toBe('escalate');
    const secret = CRITERIA.map((id) => [id, id === 'no_secrets' ? 'partial' : 'met'] as const);
    expect(outcomeOf(secret, false, rubric)).toMatchObject({
      score: 96,
      outcome: 'fail',
      autoFailed: ['no_secrets'],
    });
    expect(scoreOf([['a', 'n/a']], rubric.weights)).toBe(0);
  });
});
