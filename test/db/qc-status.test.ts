import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  QC_STATUS,
  QC_TRANSITIONS,
  type QcStatus,
  transitionQcStatus,
} from '../../src/db/qc-status.js';
import { upsertTicket } from '../../src/db/tickets.js';
import { Ticket } from '../../src/ticket/schema.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb({ seed: false });
});
afterAll(async () => {
  await db.drop();
});

let n = 0;
function ticket(externalId: string, updatedAt: string): Ticket {
  return Ticket.parse({
    source: 'generic',
    externalId,
    subject: `subject ${++n}`,
    status: 'solved',
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt,
  });
}

async function stored(status: QcStatus, externalId = `t-${++n}`): Promise<number> {
  const { id } = await upsertTicket(db.pool, ticket(externalId, '2025-01-02T00:00:00.000Z'));
  await db.pool.query('UPDATE tickets SET qc_status = $2 WHERE id = $1', [id, status]);
  return id;
}

async function statusOf(id: number): Promise<string | undefined> {
  const r = await db.pool.query<{ qc_status: string }>(
    'SELECT qc_status FROM tickets WHERE id = $1',
    [id],
  );
  return r.rows[0]?.qc_status;
}

describe('qc_status transitions', () => {
  it('every transition names states the schema allows', async () => {
    const r = await db.pool.query<{ def: string }>(
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint
       WHERE conrelid = 'tickets'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%qc_status%'`,
    );
    const def = r.rows.map((x) => x.def).join(' ');
    for (const s of Object.values(QC_STATUS)) expect(def).toContain(`'${s}'`);
    for (const t of Object.values(QC_TRANSITIONS)) {
      expect(Object.values(QC_STATUS)).toContain(t.to);
      for (const f of t.from) expect(Object.values(QC_STATUS)).toContain(f);
    }
  });

  it('an allowed transition is applied', async () => {
    const id = await stored('queued');
    expect(await transitionQcStatus(db.pool, 'wait', { ids: [id] })).toEqual([id]);
    expect(await statusOf(id)).toBe('stored');
  });

  it('an illegal transition is refused: the row keeps its state', async () => {
    // 'wait' (back to stored for the reconciler) leaves only 'queued'.
    const graded = await stored('graded');
    expect(await transitionQcStatus(db.pool, 'wait', { ids: [graded] })).toEqual([]);
    expect(await statusOf(graded)).toBe('graded');
    // A graded version is never superseded by ingest: it keeps its result.
    expect(await transitionQcStatus(db.pool, 'supersede', { ids: [graded] })).toEqual([]);
    expect(await statusOf(graded)).toBe('graded');
    // The reconciler does not resurrect a superseded version.
    const old = await stored('superseded');
    expect(await transitionQcStatus(db.pool, 'reconcile', { ids: [old] })).toEqual([]);
    expect(await statusOf(old)).toBe('superseded');
  });

  it('only the allowed rows of a set move', async () => {
    const ids = await Promise.all((['stored', 'skipped', 'graded'] as const).map((s) => stored(s)));
    const moved = await transitionQcStatus(db.pool, 'reconcile', { ids });
    expect(moved.sort()).toEqual(ids.slice(0, 2).sort());
    expect(await Promise.all(ids.map(statusOf))).toEqual(['queued', 'queued', 'graded']);
  });

  it('supersedes the other versions of a ticket, and a version only when a newer one exists', async () => {
    const a = await upsertTicket(db.pool, ticket('multi', '2025-01-01T00:00:00.000Z'));
    const b = await upsertTicket(db.pool, ticket('multi', '2025-01-03T00:00:00.000Z'));
    await db.pool.query(`UPDATE tickets SET qc_status = 'queued' WHERE id = ANY($1)`, [
      [a.id, b.id],
    ]);
    expect(await transitionQcStatus(db.pool, 'supersedeAtGrade', { ifNewerThan: b.id })).toEqual(
      [],
    );
    expect(await transitionQcStatus(db.pool, 'supersede', { otherVersionsOf: b.id })).toEqual([
      a.id,
    ]);
    expect(await statusOf(a.id)).toBe('superseded');
    expect(await statusOf(b.id)).toBe('queued');
    expect(await transitionQcStatus(db.pool, 'supersedeAtGrade', { ifNewerThan: a.id })).toEqual([
      a.id,
    ]);
  });
});
