import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runApiProcess } from '../../workers/api.js';
import { testConfig } from '../helpers/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { cleanPrefix, testPrefix } from '../helpers/redis.js';
import { fixture, secretEnv, signedHeaders } from './helpers.js';

/** The API process over real HTTP: listens, accepts a signed webhook, shuts down in order. */

describe('runApiProcess', () => {
  let db: TestDb;
  const prefix = testPrefix();
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => {
    await cleanPrefix(prefix);
    await db.drop();
  });

  it('serves webhooks on HOST:PORT and closes cleanly', async () => {
    const api = await runApiProcess(
      testConfig({ DATABASE_URL: db.url, QUEUE_PREFIX: prefix, PORT: '0', ...secretEnv }),
      { signals: false },
    );
    const body = fixture('freshdesk/rest-closed.json');
    const res = await fetch(`${api.url}/webhooks/freshdesk`, {
      method: 'POST',
      body,
      headers: signedHeaders('freshdesk', body),
    });
    expect(res.status).toBe(202);
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toContain('ticketqc_webhooks_accepted_total{source="freshdesk"');
    expect(metrics).toContain('ticketqc_api_process_cpu_seconds_total');
    expect((await api.reconciler.runNow())?.live).toBe(1);
    // The team-lead pages are served by the same process, behind a login.
    const review = await fetch(`${api.url}/review/escalations`, { redirect: 'manual' });
    expect([302, 303, 401, 503]).toContain(review.status);
    expect(await review.text()).not.toContain('Escalations</h1>');
    await api.close();
    await expect(fetch(`${api.url}/healthz`)).rejects.toThrow();
    const rows = await db.pool.query('SELECT count(*)::int AS n FROM tickets');
    expect(rows.rows[0].n).toBe(1);
  });
});
