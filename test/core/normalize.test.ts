import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateTicket } from '../../src/api/validate.js';
import {
  canonicalJson,
  contentHash,
  contentHashAndJson,
  normalizeTicket,
} from '../../src/ticket/hash.js';
import { Ticket } from '../../src/ticket/schema.js';

/**
 * Content hashes name every stored version: normalizing must keep giving
 * what it always gave. The reference is the first implementation, which
 * copied the ticket every time; the current one returns the ticket itself
 * when nothing would change, and intake then stores the hashed text as the
 * ticket's JSON (contentHashAndJson).
 */
function referenceNormalize(t: Ticket): Ticket {
  const trim = (s: string) => s.replace(/\r\n/g, '\n').trim();
  return {
    ...t,
    subject: trim(t.subject),
    description: trim(t.description),
    comments: [...t.comments]
      .map((c) => ({ ...c, body: trim(c.body) }))
      .sort((a, b) => a.at.localeCompare(b.at)),
    tags: [...new Set(t.tags.map((x) => x.trim().toLowerCase()))].sort(),
    timeEntries: t.timeEntries.map((e) => ({ ...e, note: trim(e.note) })),
  };
}

const referenceHash = (t: Ticket) =>
  createHash('sha256')
    .update(canonicalJson(referenceNormalize(t)))
    .digest('hex');

const text = fc.constantFrom('Printer jam', ' Printer jam', 'a\r\nb', 'a\nb', 'x ', '', 'é');
const at = fc.constantFrom(
  '2026-10-01T10:00:00Z',
  '2026-10-01T09:00:00Z',
  '2026-10-01T10:00:00+02:00',
  '2026-10-02T00:00:00Z',
);
const rawTicket = fc.record({
  externalId: fc.constantFrom('T-1', 'T-2'),
  subject: text,
  description: text,
  status: fc.constantFrom('solved', 'open'),
  createdAt: at,
  updatedAt: at,
  comments: fc.array(
    fc.record({
      author: fc.constantFrom('Ana', 'Bo'),
      role: fc.constantFrom('agent', 'customer'),
      public: fc.boolean(),
      body: text,
      at,
    }),
    { maxLength: 4 },
  ),
  tags: fc.array(fc.constantFrom('a', 'b', 'B', ' c', 'm365', 'a '), { maxLength: 5 }),
  timeEntries: fc.array(fc.record({ minutes: fc.nat(100), note: text }), { maxLength: 3 }),
});

describe('normalizeTicket and contentHashAndJson', () => {
  it('hash as the copying normalization did, and store the hashed text only when it is the JSON', () => {
    fc.assert(
      fc.property(rawTicket, (raw) => {
        // As webhooks give them (keys in order) and as zod gives them (keys in schema order).
        for (const t of [
          validateTicket({ ...raw, source: 'generic' }, ''),
          Ticket.parse({ ...raw, source: 'generic' }),
        ]) {
          const expected = referenceHash(t);
          expect(contentHash(t)).toBe(expected);
          expect(JSON.stringify(normalizeTicket(t))).toBe(JSON.stringify(referenceNormalize(t)));
          const both = contentHashAndJson(t);
          expect(both.hash).toBe(expected);
          if (both.json !== undefined) expect(both.json).toBe(JSON.stringify(t));
        }
      }),
      { numRuns: 3_000, seed: 13 },
    );
  });

  it('copies nothing and serializes once for a normalized ticket from the webhook parser', () => {
    const t = validateTicket(
      {
        source: 'generic',
        externalId: 'T-1',
        subject: 'Printer jam',
        status: 'solved',
        createdAt: '2026-10-01T10:00:00Z',
        updatedAt: '2026-10-01T11:00:00Z',
        comments: [
          {
            author: 'Ana',
            role: 'agent',
            public: false,
            body: 'Cleared.',
            at: '2026-10-01T10:30:00Z',
          },
        ],
        tags: ['m365', 'mfa'],
        timeEntries: [{ minutes: 5, note: 'done' }],
      },
      '',
    );
    expect(normalizeTicket(t)).toBe(t);
    expect(contentHashAndJson(t)).toEqual({ hash: referenceHash(t), json: JSON.stringify(t) });
    // Not normalized: hashed as before, and the stored JSON is left to the caller.
    const untrimmed = { ...t, subject: ' Printer jam' };
    expect(normalizeTicket(untrimmed)).not.toBe(untrimmed);
    expect(contentHashAndJson(untrimmed)).toEqual({ hash: referenceHash(t), json: undefined });
  });
});
