import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBudget } from '../../src/budget/check.js';
import { insertEvents } from '../../src/db/events.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { login, type ReviewServer, startReviewServer } from './server.js';

/** Spend past the daily budget pauses the qc queue; only an admin's resume (or a new day) lifts it. */

let db: TestDb;
let s: ReviewServer;
const DAY = 86_400_000;
const t0 = new Date('2026-03-10T12:00:00Z');

beforeAll(async () => {
  db = await createTestDb({ seed: false });
  s = await startReviewServer(db, { QC_BUDGET_DAILY_USD: '1.00', QC_BUDGET_MONTHLY_USD: '100' });
});
afterAll(async () => {
  await s?.close();
  await db?.drop();
});

const spend = (usd: number, at: Date) =>
  insertEvents(db.pool, [
    {
      agent: 'qc-worker',
      kind: 'llm_call',
      model: 'claude-haiku-4-5-20251001',
      purpose: 'grade',
      tier: 'base',
      costUsd: usd,
      occurredAt: at,
    },
  ]);

const check = (now: Date) =>
  checkBudget({
    pool: db.pool,
    queue: s.queue,
    config: s.config,
    logger: pino({ level: 'silent' }),
    notify: async (t) => Boolean(s.notices.push(t)),
    now: () => now,
  });

async function post(name: 'alice' | 'bob', url: string) {
  const { cookie, csrf } = await login(s, name);
  return s.app.inject({
    method: 'POST',
    url,
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: `_csrf=${csrf}&note=ok`,
  });
}

describe('daily budget', () => {
  it('warns once at 80%', async () => {
    await spend(0.85, new Date(t0.getTime() - 3_600_000));
    const first = await check(t0);
    expect(first.actions).toEqual(['warned']);
    expect(first.paused).toBe(false);
    expect(s.notices.at(-1)).toMatch(/\$0\.85 of \$1\.00 \(85%\)/);
    expect((await check(t0)).actions).toEqual([]);
    expect(s.notices).toHaveLength(1);
  });

  it('pauses the qc queue at 100%: a hard stop that a resume outside ticket-qc does not lift', async () => {
    await spend(0.2, new Date(t0.getTime() - 60_000));
    const r = await check(t0);
    expect(r.actions).toEqual(['paused']);
    expect(await s.queue.isPaused()).toBe(true);
    expect(s.notices.at(-1)).toContain('qc queue is paused');
    const ev = await db.pool.query(
      "SELECT category FROM agent_events WHERE kind = 'budget' ORDER BY id",
    );
    expect(ev.rows.map((x) => x.category)).toEqual(['warning', 'paused']);
    await s.queue.resume(); // e.g. redis-cli, not an admin through ticket-qc
    expect((await check(t0)).actions).toEqual(['repaused']);
    expect(await s.queue.isPaused()).toBe(true);
  });

  it('a reviewer cannot resume it; an admin can, and the budget lets the day run on', async () => {
    expect((await post('bob', '/review/queue/resume')).statusCode).toBe(403);
    expect(await s.queue.isPaused()).toBe(true);
    expect((await post('alice', '/review/queue/resume')).statusCode).toBe(303);
    expect(await s.queue.isPaused()).toBe(false);
    const row = await db.pool.query("SELECT resumed_by FROM budget_periods WHERE period = 'day'");
    expect(row.rows[0]?.resumed_by).toBe('alice');
    const audit = await db.pool.query(
      "SELECT actor, via FROM review_audit WHERE action = 'queue.resume'",
    );
    expect(audit.rows).toEqual([{ actor: 'alice', via: 'web' }]);
    await spend(0.5, new Date(t0.getTime() - 30_000));
    expect((await check(t0)).paused).toBe(false);
  });

  it('pauses again on a new day over budget, and resumes by itself when that day rolls over', async () => {
    const t1 = new Date(t0.getTime() + DAY);
    await spend(1.5, new Date(t1.getTime() - 3_600_000));
    expect((await check(t1)).actions).toContain('paused');
    expect(await s.queue.isPaused()).toBe(true);
    const t2 = new Date(t1.getTime() + DAY);
    const r = await check(t2);
    expect(r.actions).toEqual(['resumed']);
    expect(await s.queue.isPaused()).toBe(false);
    const rows = await db.pool.query(
      "SELECT to_char(starts_on, 'YYYY-MM-DD') AS d, resumed_by FROM budget_periods WHERE period = 'day' ORDER BY starts_on",
    );
    expect(rows.rows).toEqual([
      { d: '2026-03-10', resumed_by: 'alice' },
      { d: '2026-03-11', resumed_by: 'rollover' },
    ]);
  });
});
