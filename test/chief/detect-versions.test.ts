import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectRepeats } from '../../src/chief/detect.js';
import { ContextStore } from '../../src/context/store.js';
import type { Vocabulary } from '../../src/context/vocab.js';
import { insertEvents } from '../../src/db/events.js';
import { upsertTicket } from '../../src/db/tickets.js';
import type { Ticket } from '../../src/ticket/schema.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { loadExamples } from '../helpers/pipeline.js';

/**
 * The chief counts distinct *tickets*. A ticket graded when it was solved and
 * again when the help desk closed it (or after it was re-opened) is several
 * stored versions — several rows of `tickets` — but one ticket: its repeated
 * failure alone must not reach the threshold.
 */

const DAY = 86_400_000;
const now = new Date('2026-11-20T12:00:00Z');
const opts = { now, windowMs: 7 * DAY, threshold: 3 };

let db: TestDb;
let vocab: Vocabulary;
beforeAll(async () => {
  db = await createTestDb();
  vocab = (await new ContextStore(db.pool).active()).vocab;
});
afterAll(async () => {
  await db?.drop();
});

async function failOn(ticketIds: number[]): Promise<void> {
  await insertEvents(
    db.pool,
    ticketIds.map((ticketId, i) => ({
      agent: 'triage',
      kind: 'failure' as const,
      category: 'insufficient_detail',
      ticketId,
      occurredAt: new Date(now.getTime() - (i + 1) * 3_600_000),
      details: { kind: 'attribution', note: 'triage notes say "see ticket"' },
    })),
  );
}

describe('chief detection', () => {
  it('three versions of one ticket are one ticket; three different tickets fire', async () => {
    const [a, b, c] = (await loadExamples(3)).map((r) => r.ticket) as [Ticket, Ticket, Ticket];
    const solved = await upsertTicket(db.pool, { ...a, status: 'solved' });
    const closed = await upsertTicket(db.pool, {
      ...a,
      status: 'closed',
      updatedAt: new Date(Date.parse(a.updatedAt) + 4 * DAY).toISOString(),
    });
    const reopened = await upsertTicket(db.pool, {
      ...a,
      status: 'closed',
      description: `${a.description}\nCustomer confirmed the fix.`,
      updatedAt: new Date(Date.parse(a.updatedAt) + 6 * DAY).toISOString(),
    });
    expect(new Set([solved.id, closed.id, reopened.id]).size).toBe(3);

    await failOn([solved.id, closed.id, reopened.id]);
    expect(await detectRepeats(db.pool, vocab, opts)).toEqual([]);

    await failOn([(await upsertTicket(db.pool, b)).id]);
    expect(await detectRepeats(db.pool, vocab, opts)).toEqual([]);

    await failOn([(await upsertTicket(db.pool, c)).id]);
    const found = await detectRepeats(db.pool, vocab, opts);
    expect(found.map((x) => [x.agent, x.category, x.tickets, x.events])).toEqual([
      ['triage', 'insufficient_detail', 3, 5],
    ]);
  });
});
