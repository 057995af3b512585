import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertTicket } from '../../src/db/tickets.js';
import { readJsonl } from '../../src/import/jsonl.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { login, type ReviewServer, startReviewServer } from './server.js';

/** Issue 12: the cost-of-supervision page shows second opinions per rule and the money saved. */

let db: TestDb;
let s: ReviewServer;
beforeAll(async () => {
  db = await createTestDb();
  s = await startReviewServer(db, { QC_SECOND_OPINION_ALWAYS: 'data_loss' });
});
afterAll(async () => {
  await s?.close();
  await db?.drop();
});

describe('cost of supervision: second opinions earned', () => {
  it('lists each rule with its mode and the money sampling saved', async () => {
    let ticketId = 0;
    for await (const row of readJsonl('examples/tickets.jsonl')) {
      if (row.ok) ticketId = (await upsertTicket(db.pool, row.ticket)).id;
      break;
    }
    // security_incident: 60 agreeing second opinions at $0.015, then 20 skipped → sampled, $0.30 saved.
    // data_loss: pinned always-on, however good its record.
    await db.pool.query(
      `INSERT INTO second_opinions (rule, ticket_id, sampled, outcome_agreed, sample_rate, strong_cost_usd)
       SELECT 'security_incident', $1::bigint, true, true, 1, 0.015 FROM generate_series(1, 60)
       UNION ALL SELECT 'security_incident', $1, false, NULL, 0.1, 0 FROM generate_series(1, 20)
       UNION ALL SELECT 'data_loss', $1, true, true, 1, 0.02 FROM generate_series(1, 80)`,
      [ticketId],
    );
    const { cookie } = await login(s, 'alice');
    const res = await s.app.inject({
      method: 'GET',
      url: '/review/supervision',
      headers: { cookie },
    });
    expect(res.statusCode).toBe(200);
    const section = res.body.slice(res.body.indexOf('id="second-opinions"'));
    expect(section).toContain('Second opinions earned');
    expect(section).toContain('data-saved="0.3000"');
    const rowOf = (rule: string) =>
      section.slice(section.indexOf(`<code>${rule}</code>`)).split('</tr>')[0] ?? '';
    expect(rowOf('security_incident')).toContain('sampled 10%');
    expect(rowOf('data_loss')).toContain('always (pinned)');
  });
});
