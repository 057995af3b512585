import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isIsoTime, toIsoTime } from '../../src/api/sources/util.js';

/**
 * Validation checks every timestamp with `isIsoTime`, the cheap form of
 * `toIsoTime`; they must accept and refuse exactly the same strings.
 */
const pad = (n: number, len = 2) => String(n).padStart(len, '0');
const timestamp = fc
  .record({
    y: fc.integer({ min: 1960, max: 10_001 }),
    mo: fc.integer({ min: 0, max: 13 }),
    d: fc.integer({ min: 0, max: 32 }),
    h: fc.integer({ min: 0, max: 25 }),
    mi: fc.integer({ min: 0, max: 61 }),
    s: fc.option(fc.integer({ min: 0, max: 61 })),
    frac: fc.option(fc.integer({ min: 0, max: 999_999 })),
    sep: fc.constantFrom('T', ' ', 't'),
    offset: fc.constantFrom(
      'Z',
      'z',
      '',
      '+02:00',
      '-0530',
      '+14:00',
      '+15:00',
      '-12:60',
      '+00:00',
    ),
  })
  .map(
    ({ y, mo, d, h, mi, s, frac, sep, offset }) =>
      `${pad(y, 4)}-${pad(mo)}-${pad(d)}${sep}${pad(h)}:${pad(mi)}${s === null ? '' : `:${pad(s)}`}${frac === null || s === null ? '' : `.${frac}`}${offset}`,
  );

/** The form nearly every webhook sends (`YYYY-MM-DDTHH:MM:SSZ`), which isIsoTime reads digit by digit. */
const canonicalUtc = fc
  .record({
    y: fc.integer({ min: 1960, max: 9_999 }),
    mo: fc.integer({ min: 0, max: 13 }),
    d: fc.integer({ min: 0, max: 32 }),
    h: fc.integer({ min: 0, max: 25 }),
    mi: fc.integer({ min: 0, max: 61 }),
    s: fc.integer({ min: 0, max: 61 }),
  })
  .map(
    ({ y, mo, d, h, mi, s }) => `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}Z`,
  );

describe('isIsoTime', () => {
  it('agrees with toIsoTime on every field of the common UTC form, and on its look-alikes', () => {
    fc.assert(
      fc.property(canonicalUtc, (v) => {
        expect(isIsoTime(v)).toBe(toIsoTime(v) !== undefined);
      }),
      { numRuns: 20_000, seed: 13 },
    );
    for (const v of [
      '2024-05-02T09:15:60Z',
      '2024-05-02T09:60:00Z',
      '2024-05-02T24:00:00Z',
      '1969-12-31T23:59:59Z',
      '2024-0a-02T09:15:00Z',
      '2024-05-02T09:15:00z',
      '2024-05-02t09:15:00Z',
      '+024-05-02T09:15:00Z',
      '2024-05-02T09:15:0-Z',
    ])
      expect(isIsoTime(v), v).toBe(toIsoTime(v) !== undefined);
  });

  it('agrees with toIsoTime on generated timestamps and on edge cases', () => {
    fc.assert(
      fc.property(fc.oneof(timestamp, fc.string()), (v) => {
        expect(isIsoTime(v)).toBe(toIsoTime(v) !== undefined);
      }),
      { numRuns: 5_000 },
    );
    for (const v of [
      '2024-02-29T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '2100-02-29T00:00:00Z',
      '2000-02-29T00:00:00Z',
      '9999-12-31T23:59:59-01:00',
      '9999-12-31T23:59:59+01:00',
      '1970-01-01T00:00:00+01:00',
      ' 2024-05-02 09:15:00 ',
      '2024-05-02T09:15:00+0200',
      undefined,
      42,
    ])
      expect(isIsoTime(v), String(v)).toBe(toIsoTime(v) !== undefined);
  });
});
