import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectOperational, detectRepeats, vocabularyPairs } from '../../src/chief/detect.js';
import { ContextStore } from '../../src/context/store.js';
import type { Vocabulary } from '../../src/context/vocab.js';
import { DETECT_SQL, detectParams } from '../../src/db/failures.js';
import { COVERING } from '../../src/decisions/lifecycle.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { storeExamples } from '../helpers/pipeline.js';
import { DAY, seedFailures } from './helpers.js';

/**
 * Detection on seeded events: distinct tickets, inside the window, by the
 * time the failure was recorded — and the query plan uses the partial index.
 */

let db: TestDb;
let vocab: Vocabulary;
let tickets: number[];
const now = new Date('2026-11-20T12:00:00Z');
const opts = { now, windowMs: 7 * DAY, threshold: 3 };
const ago = (days: number) => new Date(now.getTime() - days * DAY);

beforeAll(async () => {
  db = await createTestDb();
  vocab = (await new ContextStore(db.pool).active()).vocab;
  tickets = await storeExamples(db, 6);
});
afterAll(async () => {
  await db?.drop();
});

async function fresh() {
  await db.pool.query('TRUNCATE agent_events, prompt_proposals CASCADE');
}

describe('detection', () => {
  it('failures on 2 tickets → none; a 3rd ticket → the pair fires', async () => {
    await fresh();
    const [a, b, c] = tickets as [number, number, number];
    await seedFailures(db, [
      { ticketId: a, at: ago(1) },
      { ticketId: b, at: ago(2) },
    ]);
    expect(await detectRepeats(db.pool, vocab, opts)).toEqual([]);
    await seedFailures(db, [{ ticketId: c, at: ago(3) }]);
    const found = await detectRepeats(db.pool, vocab, opts);
    expect(found.map((x) => [x.agent, x.category, x.tickets])).toEqual([
      ['triage', 'insufficient_detail', 3],
    ]);
  });

  it('3 tickets spread over 8 days → none (only 2 inside the 7-day window)', async () => {
    await fresh();
    const [a, b, c] = tickets as [number, number, number];
    await seedFailures(db, [
      { ticketId: a, at: ago(8) },
      { ticketId: b, at: ago(4) },
      { ticketId: c, at: ago(0.1) },
    ]);
    expect(await detectRepeats(db.pool, vocab, opts)).toEqual([]);
  });

  it('3 failures on one ticket → none (distinct tickets count)', async () => {
    await fresh();
    const [a] = tickets as [number];
    await seedFailures(db, [
      { ticketId: a, at: ago(1) },
      { ticketId: a, at: ago(2) },
      { ticketId: a, at: ago(3) },
    ]);
    expect(await detectRepeats(db.pool, vocab, opts)).toEqual([]);
  });

  it('categories outside the closed vocabulary never fire', async () => {
    await fresh();
    await seedFailures(
      db,
      tickets.slice(0, 3).map((t) => ({ ticketId: t, category: 'made_up_category', at: ago(1) })),
    );
    expect(await detectRepeats(db.pool, vocab, opts)).toEqual([]);
  });

  it('every proposal but a refused one covers failures up to its watermark', async () => {
    await fresh();
    await seedFailures(
      db,
      tickets.slice(0, 3).map((t) => ({ ticketId: t, at: ago(2) })),
    );
    for (const [status, fires] of [
      ['pending', false],
      ['rejected', false],
      ['approved', false],
      ['dismissed', false],
      ['no_improvement', false],
      ['not_a_context_problem', false],
      ['superseded', false],
      ['refused', true],
    ] as const) {
      await db.pool.query('TRUNCATE prompt_proposals CASCADE');
      await db.pool.query(
        `INSERT INTO prompt_proposals (agent, category, file, base_version, status, covered_until)
         VALUES ('triage', 'insufficient_detail', 'agents/triage.md', 1, $1, $2)`,
        [status, ago(1)],
      );
      expect((await detectRepeats(db.pool, vocab, opts)).length, status).toBe(fires ? 1 : 0);
    }
  });
});

describe('covered tickets', () => {
  const keysOf = async (ids: number[]) =>
    (
      await db.pool.query<{ k: string }>(
        `SELECT source || ' ' || external_id AS k FROM tickets WHERE id = ANY($1::bigint[]) ORDER BY id`,
        [ids],
      )
    ).rows.map((r) => r.k);

  it('a rejection stays quiet through a regrade of its tickets; 3 new tickets fire it again', async () => {
    await fresh();
    const seen = tickets.slice(0, 3);
    await db.pool.query(
      `INSERT INTO prompt_proposals (agent, category, file, base_version, status, covered_until,
         covered_tickets)
       VALUES ('triage', 'insufficient_detail', 'agents/triage.md', 1, 'rejected', $1, $2)`,
      [ago(3), await keysOf(seen)],
    );
    // The regrade: the same three tickets fail again, after the rejection's watermark.
    await seedFailures(
      db,
      seen.map((t) => ({ ticketId: t, at: ago(1) })),
    );
    expect(await detectRepeats(db.pool, vocab, opts)).toEqual([]);
    // Two new tickets: still below the threshold of new ones.
    await seedFailures(
      db,
      tickets.slice(3, 5).map((t) => ({ ticketId: t, at: ago(1) })),
    );
    expect(await detectRepeats(db.pool, vocab, opts)).toEqual([]);
    await seedFailures(db, [{ ticketId: tickets[5] as number, at: ago(0.5) }]);
    const found = await detectRepeats(db.pool, vocab, opts);
    expect(found.map((x) => [x.category, x.tickets])).toEqual([['insufficient_detail', 3]]);
  });

  it('a rejection of another file does not cover the pair', async () => {
    await fresh();
    const seen = tickets.slice(0, 3);
    await db.pool.query(
      `INSERT INTO prompt_proposals (agent, category, file, base_version, status, covered_until,
         covered_tickets)
       VALUES ('triage', 'insufficient_detail', 'agents/other.md', 1, 'rejected', $1, $2)`,
      [ago(3), await keysOf(seen)],
    );
    await seedFailures(
      db,
      seen.map((t) => ({ ticketId: t, at: ago(1) })),
    );
    expect((await detectRepeats(db.pool, vocab, opts)).length).toBe(1);
  });

  it('operational categories never become candidates for a proposal', async () => {
    await fresh();
    await seedFailures(
      db,
      tickets.slice(0, 4).map((t) => ({
        ticketId: t,
        agent: 'qc-worker',
        category: 'schema_invalid',
        at: ago(1),
        details: { kind: 'schema_invalid', issues: ['criteria: required'] },
      })),
    );
    expect(await detectRepeats(db.pool, vocab, opts)).toEqual([]);
    const ops = await detectOperational(db.pool, vocab, opts);
    expect(ops.map((x) => [x.category, x.tickets])).toEqual([['schema_invalid', 4]]);
  });
});

type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] };

/** Every plan node that reads the given table. */
function nodesOn(plan: unknown, table: string): PlanNode[] {
  const out: PlanNode[] = [];
  const walk = (n: PlanNode) => {
    if (n['Relation Name'] === table) out.push(n);
    for (const child of n.Plans ?? []) walk(child);
  };
  for (const top of plan as { Plan: PlanNode }[]) walk(top.Plan);
  return out;
}

describe('the detection query plan', () => {
  it('uses agent_events_failures_idx at a realistic size (200k events, ANALYZE)', async () => {
    await fresh();
    // A realistic mix: most events are model calls and verdicts, about one in ten a failure,
    // spread over 90 days, so the 7-day window is a small slice of the failures.
    await db.pool.query(
      `INSERT INTO agent_events (occurred_at, agent, kind, category, ticket_id)
       SELECT $1::timestamptz - (g % 129600) * interval '1 minute',
              CASE WHEN g % 10 = 0 THEN (CASE WHEN g % 20 = 0 THEN 'triage' ELSE 'qc-worker' END)
                   ELSE 'qc-worker' END,
              CASE WHEN g % 10 = 0 THEN 'failure' WHEN g % 10 < 6 THEN 'llm_call' ELSE 'verdict' END,
              CASE WHEN g % 10 = 0 THEN (ARRAY['insufficient_detail','root_cause','low_confidence',
                     'wrong_priority','follow_up'])[1 + (g / 10) % 5] ELSE NULL END,
              $2::bigint
       FROM generate_series(1, 200000) AS g`,
      [now, tickets[0]],
    );
    await db.pool.query('ANALYZE agent_events');
    const plan = await db.pool.query<{ 'QUERY PLAN': unknown }>(
      `EXPLAIN (FORMAT JSON) ${DETECT_SQL}`,
      detectParams(vocabularyPairs(vocab), { ...opts, covering: COVERING }),
    );
    const scans = nodesOn(plan.rows[0]?.['QUERY PLAN'], 'agent_events');
    expect(scans.length).toBeGreaterThan(0);
    for (const node of scans) {
      expect(node['Node Type']).toMatch(/^Index (Only )?Scan$/);
      expect(node['Index Name']).toBe('agent_events_failures_idx');
    }
  });
});
