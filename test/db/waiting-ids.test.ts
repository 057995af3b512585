import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIdList, waitingIds } from '../../src/db/tickets.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

/**
 * The ids a reconciler pass reads (src/db/tickets.ts waitingIds): one text
 * value parsed into numbers, so a large backlog is not a row object per id.
 * Real PostgreSQL; the rows are inserted directly in the states the pass
 * must tell apart.
 */

describe('parseIdList', () => {
  it('reads comma-separated decimal ids, in order', () => {
    expect(parseIdList('')).toEqual([]);
    expect(parseIdList('7')).toEqual([7]);
    expect(parseIdList('3,17,240,9007199254740991')).toEqual([3, 17, 240, 9007199254740991]);
  });

  it('refuses anything else, naming where', () => {
    expect(() => parseIdList('1,,2')).toThrow(/offset 2/);
    expect(() => parseIdList('1,2,')).toThrow(/offset 4/);
    expect(() => parseIdList(',1')).toThrow(/offset 0/);
    expect(() => parseIdList('1, 2')).toThrow(/offset 2/);
    expect(() => parseIdList('12a')).toThrow(/offset 2/);
    expect(() => parseIdList('-1')).toThrow(/offset 0/);
    // More digits than a double holds exactly.
    expect(() => parseIdList('12345678901234567')).toThrow(/offset 16/);
  });
});

describe('waitingIds', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb({ seed: false });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('returns the realtime lane’s stored and queued versions in a grading status, in id order, large ids whole', async () => {
    expect(await waitingIds(db.pool, { gradeOn: ['solved'] })).toEqual([]);
    const insert = (id: number, status: string, qc: string, lane: string) =>
      db.pool.query(
        `INSERT INTO tickets (id, source, external_id, content_hash, status, subject, ticket,
                              ticket_updated_at, lane, qc_status)
         VALUES ($1, 'generic', $2, md5($2), $3, 's', '{}', now(), $4, $5)`,
        [id, `W-${id}`, status, lane, qc],
      );
    await insert(12_345_678_901, 'solved', 'queued', 'realtime');
    await insert(5, 'solved', 'stored', 'realtime');
    await insert(6, 'open', 'stored', 'realtime');
    await insert(7, 'solved', 'stored', 'batch');
    await insert(8, 'solved', 'graded', 'realtime');
    await insert(900, 'closed', 'queued', 'realtime');
    expect(await waitingIds(db.pool, { gradeOn: ['solved', 'closed'] })).toEqual([
      5, 900, 12_345_678_901,
    ]);
    expect(await waitingIds(db.pool, { gradeOn: ['closed'] })).toEqual([900]);
  });
});
