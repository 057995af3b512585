import { describe, expect, it } from 'vitest';
import { goldJson, importHash, ticketJson } from '../../src/import/canonical.js';
import { Gold } from '../../src/import/jsonl.js';
import { contentHash } from '../../src/ticket/hash.js';
import { Ticket } from '../../src/ticket/schema.js';
import { exampleRows } from './fixtures.js';

/**
 * The import hashes and serializes tickets with key orders planned from the
 * schema (src/import/canonical.ts). Its hash must be `contentHash` byte for
 * byte — imported versions are matched against ingested ones by it — and its
 * JSON must be the same value as JSON.stringify's.
 */

/** Variants that exercise normalization: order, whitespace, case, repeats, odd keys. */
function variants(raw: Record<string, unknown>, i: number): unknown[] {
  const comments = (raw.comments as Record<string, unknown>[] | undefined) ?? [];
  return [
    raw,
    { ...raw, subject: `  ${String(raw.subject)}\r\n`, tags: ['Zeta ', 'alpha', 'zeta', ' Beta'] },
    { ...raw, comments: [...comments].reverse(), description: '\r\nline\r\n two ' },
    {
      ...raw,
      customFields: { zz: 1, Aa: 'x', ä: true, 'a b': null, _u: i, 'é\u{1F600}': 'emoji', '10': 2 },
      filled: { updatedAt: 'time of receipt', subject: 'not sent' },
      triage: { by: 'triage', notes: ' n ', at: '2026-01-01T00:00:00Z' },
      timeEntries: [{ minutes: 5, note: ' x\r\n', at: '2026-01-01T00:00:00+02:00' }],
      requester: { id: 'r1', email: 'e@x', name: 'N' },
      closedAt: undefined,
    },
  ];
}

describe('import serialization', () => {
  it('importHash equals contentHash, and ticketJson/goldJson are the same values as JSON.stringify, over every example and variants', () => {
    let n = 0;
    for (const [i, row] of exampleRows().entries()) {
      for (const v of variants(row.ticket, i)) {
        const t = Ticket.parse(v);
        expect(importHash(t)).toBe(contentHash(t));
        expect(JSON.parse(ticketJson(t))).toEqual(JSON.parse(JSON.stringify(t)));
        n++;
      }
      if (row.gold !== undefined) {
        const g = Gold.parse(row.gold);
        expect(JSON.parse(goldJson(g))).toEqual(JSON.parse(JSON.stringify(g)));
      }
    }
    expect(n).toBeGreaterThan(500);
  });

  it('ticketJson writes every object in jsonb key order (shorter keys first, then bytewise)', () => {
    const row = exampleRows()[0] as { ticket: Record<string, unknown> };
    const t = Ticket.parse(variants(row.ticket, 0)[3]);
    const keysInOrder = (value: unknown): void => {
      if (Array.isArray(value)) {
        for (const v of value) keysInOrder(v);
        return;
      }
      if (!value || typeof value !== 'object') return;
      const keys = Object.keys(value);
      const sorted = [...keys].sort((a, b) => {
        const x = Buffer.from(a);
        const y = Buffer.from(b);
        return x.length - y.length || Buffer.compare(x, y);
      });
      // Keys outside ASCII may differ between code units and bytes: order there is only a speed-up.
      if (keys.every((k) => /^[\x20-\x7e]*$/.test(k))) expect(keys).toEqual(sorted);
      for (const v of Object.values(value)) keysInOrder(v);
    };
    const text = ticketJson(t);
    keysInOrder(JSON.parse(text));
    expect(text.startsWith('{"tags":')).toBe(true);
  });
});
