import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contentHash } from '../../src/ticket/hash.js';
import { Ticket } from '../../src/ticket/schema.js';

const first = JSON.parse(
  readFileSync('examples/tickets.jsonl', 'utf8').split('\n')[0] ?? '{}',
).ticket;

describe('canonical ticket', () => {
  it('parses an example and fills defaults', () => {
    const t = Ticket.parse({
      source: 'generic',
      externalId: 'T-1',
      subject: 'Printer jam',
      status: 'solved',
      createdAt: '2026-10-01T10:00:00Z',
      updatedAt: '2026-10-01T11:00:00Z',
    });
    expect(t.comments).toEqual([]);
    expect(t.priority).toBe('normal');
    expect(Ticket.parse(first).externalId).toMatch(/^EX-/);
  });

  it('rejects bad input with the path of each problem', () => {
    const r = Ticket.safeParse({
      source: 'Zen Desk',
      externalId: '',
      status: 'done',
      createdAt: 'yesterday',
    });
    expect(r.success).toBe(false);
    const paths = r.error?.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining(['source', 'externalId', 'status', 'createdAt', 'subject']),
    );
  });

  it('hashes content, not presentation: key order, tag order and whitespace do not matter', () => {
    const t = Ticket.parse(first);
    const reordered = Ticket.parse(
      JSON.parse(JSON.stringify({ ...t, tags: [...t.tags].reverse(), subject: `  ${t.subject} ` })),
    );
    expect(contentHash(reordered)).toBe(contentHash(t));
    expect(contentHash({ ...t, status: t.status === 'closed' ? 'solved' : 'closed' })).not.toBe(
      contentHash(t),
    );
    expect(
      contentHash({
        ...t,
        comments: [
          ...t.comments,
          { author: 'x', role: 'agent', public: false, body: 'note', at: '2026-11-30T00:00:00Z' },
        ],
      }),
    ).not.toBe(contentHash(t));
  });
});
