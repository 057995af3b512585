import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../../src/batches/run.js';
import { budgetPaused } from '../../src/budget/index.js';
import { runChiefPass } from '../../src/chief/pass.js';
import { type Harness, startHarness, submittedBatches } from '../batches/harness.js';
import { chiefHarness, seedFailures } from '../chief/helpers.js';

/**
 * A budget pause stops every path that spends, not only the qc queue: the
 * Message Batches submit and the chief of staff check it too.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ tickets: 4 });
});
afterAll(async () => {
  await h.close();
});

async function openPause() {
  await h.db.pool.query(
    `INSERT INTO budget_periods (period, starts_on, limit_usd, warned_at, paused_at)
     VALUES ('day', current_date, 1, now(), now())`,
  );
}

describe('budget pause holds for every spending path', () => {
  it('no batch is submitted and no chief pass calls a model while a pause is open', async () => {
    expect(await budgetPaused(h.db.pool)).toBe(false);
    await openPause();
    expect(await budgetPaused(h.db.pool)).toBe(true);

    const report = await runBatch(h.deps(), { via: 'batches', trigger: 'cli' });
    expect(report.ticks[0]?.heldForBudget).toBeGreaterThan(0);
    expect(submittedBatches(h.sim)).toHaveLength(0);

    const { deps } = chiefHarness(h.db, h.sim.url);
    await seedFailures(
      h.db,
      h.ids.slice(0, 3).map((ticketId) => ({ ticketId })),
    );
    const pass = await runChiefPass(deps);
    expect(pass.skipped).toBe('budget paused');
    expect(h.sim.requests().filter((r) => r.path === '/v1/messages')).toHaveLength(0);

    // An admin's resume closes the pause: the held chunks go out on the next run.
    await h.db.pool.query(`UPDATE budget_periods SET resumed_at = now(), resumed_by = 'alice'`);
    await runBatch(h.deps(), { via: 'batches', trigger: 'cli', wait: true, pollMs: 50 });
    expect(submittedBatches(h.sim).length).toBeGreaterThan(0);
    const graded = await h.db.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM qc_results',
    );
    expect(graded.rows[0]?.n).toBe(4);
    expect((await runChiefPass(deps)).skipped).toBeUndefined();
  });
});
