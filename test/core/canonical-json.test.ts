import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/ticket/hash.js';

/**
 * canonicalJson names every stored version (content hashes): it must keep
 * writing exactly what it always wrote. The reference below is the first
 * implementation (copy every object with its keys sorted, then stringify).
 */
function reference(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v).sort()) {
        const x = (v as Record<string, unknown>)[key];
        if (x !== undefined) out[key] = sortKeys(x);
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(sortKeys(value));
}

const key = fc.oneof(
  fc.constantFrom('a', 'b', 'B', 'ab', 'é', '__proto__', '10', '9'),
  fc.string(),
);
const leaf = fc.oneof(
  fc.jsonValue({ maxDepth: 0 }),
  fc.constantFrom<unknown>(undefined, new Date(0), Number.NaN),
);
const value = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(key, tie('v'), { maxKeys: 5 }),
    // objects already in order, which are no longer copied
    fc
      .dictionary(key, tie('v'), { maxKeys: 5 })
      .map((d) =>
        Object.fromEntries(Object.entries(d).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      ),
  ),
})).v;

describe('canonicalJson', () => {
  it('writes what the copying implementation wrote, for any value', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(reference(v));
      }),
      { numRuns: 5_000, seed: 13 },
    );
  });

  it('handles the odd cases the same way', () => {
    for (const v of [
      JSON.parse('{"__proto__":{"b":1},"a":2}'),
      JSON.parse('{"a":{"__proto__":3}}'),
      { d: new Date(0) },
      [undefined, () => 1, { b: undefined, a: 1 }],
      { a: [1, { z: 1, y: 2 }], b: null },
    ])
      expect(canonicalJson(v)).toBe(reference(v));
  });
});
