import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecisionError } from '../../src/decisions/decisions.js';
import { addOverrides } from '../../src/decisions/overrides.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { type Seeded, seedReview } from '../web/seed.js';

/**
 * A lead corrects several criteria of one verdict in one form: all of them are
 * recorded or, when one is refused, none (it used to keep the ones before).
 */

let db: TestDb;
let seeded: Seeded;

beforeAll(async () => {
  db = await createTestDb();
  seeded = await seedReview(db.pool);
});
afterAll(async () => {
  await db?.drop();
});

const count = async (ticketId: number) =>
  Number(
    (
      await db.pool.query<{ n: string }>('SELECT count(*) n FROM overrides WHERE ticket_id = $1', [
        ticketId,
      ])
    ).rows[0]?.n,
  );

describe('several corrections of one verdict', () => {
  it('one refused → none recorded, no failure event; all valid → all recorded', async () => {
    const ticketId = seeded.ticketIds[0] as number;
    const v = await db.pool.query<{
      verdict: { criteria: { criterion: string; result: string }[] };
    }>('SELECT verdict FROM qc_results WHERE ticket_id = $1 ORDER BY id DESC LIMIT 1', [ticketId]);
    const [a, b] = v.rows[0]?.verdict.criteria ?? [];
    if (!a || !b) throw new Error('the seeded verdict has fewer than two criteria');
    const other = (r: string) => (r === 'met' ? 'missing' : 'met');
    const base = { ticketId, reason: 'checked the thread', reviewer: 'dana', via: 'web' as const };
    const events = async () =>
      Number(
        (
          await db.pool.query<{ n: string }>(
            "SELECT count(*) n FROM agent_events WHERE kind = 'failure' AND ticket_id = $1",
            [ticketId],
          )
        ).rows[0]?.n,
      );
    const before = { overrides: await count(ticketId), failures: await events() };
    // The second is refused inside the transaction: the verdict already says so.
    await expect(
      addOverrides(db.pool, [
        { ...base, criterion: a.criterion, verdict: other(a.result) },
        { ...base, criterion: b.criterion, verdict: b.result },
      ]),
    ).rejects.toBeInstanceOf(DecisionError);
    expect({ overrides: await count(ticketId), failures: await events() }).toEqual(before);

    const made = await addOverrides(db.pool, [
      { ...base, criterion: a.criterion, verdict: other(a.result) },
      { ...base, criterion: b.criterion, verdict: other(b.result) },
    ]);
    expect(made).toHaveLength(2);
    expect(await count(ticketId)).toBe(before.overrides + 2);
    expect(await events()).toBe(before.failures + 2);
  });
});
