import { describe, expect, it } from 'vitest';
import { cohenKappa, confusionOf, kappaOf, percentile } from '../../src/eval/kappa.js';

/** Cohen's kappa against worked textbook contingency tables. */

describe("Cohen's kappa", () => {
  it('the textbook 2×2 table: 20/5/10/15 of 50 → pₒ 0.70, pₑ 0.50, κ 0.40', () => {
    // Two readers, 50 proposals: both yes 20, A yes B no 5, A no B yes 10, both no 15.
    expect(
      cohenKappa([
        [20, 5],
        [10, 15],
      ]),
    ).toBeCloseTo(0.4, 10);
  });

  it('the textbook skewed table 45/15/25/15 → κ 0.1304 (accuracy 0.60 hides weak agreement)', () => {
    expect(
      cohenKappa([
        [45, 15],
        [25, 15],
      ]),
    ).toBeCloseTo(0.130_434_78, 6);
  });

  it('a 3×3 table worked by hand → κ 0.4915', () => {
    // 100 items: pₒ = (44 + 20 + 6) / 100 = 0.70; rows 50/30/20, columns 60/30/10,
    // pₑ = 0.5·0.6 + 0.3·0.3 + 0.2·0.1 = 0.41; κ = (0.70 − 0.41) / (1 − 0.41) = 0.49153.
    const k = cohenKappa([
      [44, 5, 1],
      [7, 20, 3],
      [9, 5, 6],
    ]);
    expect(k).toBeCloseTo(0.491_525_4, 6);
  });

  it('perfect agreement → 1; chance-level agreement → 0; no data → undefined', () => {
    expect(
      kappaOf([
        ['a', 'a'],
        ['b', 'b'],
        ['a', 'a'],
      ]),
    ).toBe(1);
    expect(
      cohenKappa([
        [25, 25],
        [25, 25],
      ]),
    ).toBe(0);
    expect(cohenKappa([[0]])).toBeUndefined();
  });

  it('builds the confusion matrix from (gold, predicted) pairs on a fixed label set', () => {
    const c = confusionOf(
      [
        ['pass', 'pass'],
        ['pass', 'fail'],
        ['fail', 'fail'],
        ['escalate', 'fail'],
      ],
      ['pass', 'fail', 'escalate'],
    );
    expect(c.counts).toEqual([
      [1, 1, 0],
      [0, 1, 0],
      [0, 1, 0],
    ]);
  });

  it('percentiles use the nearest rank', () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([], 50)).toBeUndefined();
  });
});
