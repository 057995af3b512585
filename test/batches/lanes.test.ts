import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContextStore } from '../../src/context/store.js';
import { countSelection } from '../../src/db/selection.js';
import { importFile } from '../../src/import/import.js';
import { qcContextOf } from '../../src/qc/context.js';
import { QC_QUEUE } from '../../src/queue/jobs.js';
import { runApiProcess } from '../../workers/api.js';
import { secretEnv, signedHeaders } from '../api/helpers.js';
import { testConfig } from '../helpers/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { cleanPrefix, testPrefix } from '../helpers/redis.js';
import { REDIS_URL } from '../helpers/urls.js';
import { exampleRows, variedRow } from './fixtures.js';

/**
 * Issue 12, lanes: history imported while `serve` runs must not be graded on
 * the full-price realtime queue by the reconciler; it waits for `batch run`
 * (or the nightly job). A live webhook for one of those tickets moves it to
 * the realtime lane.
 */
describe('lanes: import while serve is running', () => {
  let db: TestDb;
  let dir: string;
  const prefix = testPrefix();
  beforeAll(async () => {
    db = await createTestDb();
    dir = mkdtempSync(path.join(tmpdir(), 'tqc-lanes-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await cleanPrefix(prefix);
    await db.drop();
  });

  it('the reconciler leaves batch-lane versions alone; batch selection takes them; a live webhook moves one to realtime', async () => {
    const webhookBody = readFileSync('test/fixtures/webhooks/generic/ticket.json', 'utf8');
    const live = { ...JSON.parse(webhookBody), source: 'generic' };
    const examples = exampleRows().filter((r) =>
      ['closed', 'solved'].includes(String(r.ticket.status)),
    );
    const rows = Array.from({ length: 40 }, (_, i) => variedRow(examples, i, 'LANE'));
    const file = path.join(dir, 'history.jsonl');
    writeFileSync(file, [...rows, { ticket: live }].map((r) => JSON.stringify(r)).join('\n'));

    const api = await runApiProcess(
      testConfig({
        DATABASE_URL: db.url,
        QUEUE_PREFIX: prefix,
        PORT: '0',
        QC_RECONCILE_INTERVAL: '50ms',
        ...secretEnv,
      }),
      { signals: false },
    );
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const queue = new Queue(QC_QUEUE, { connection: redis, prefix });
    try {
      // Reconciler passes run back to back for as long as the import runs, and once after.
      let importing = true;
      const passes: number[] = [];
      const reconciling = (async () => {
        while (importing) passes.push((await api.reconciler.runNow())?.candidates ?? -1);
      })();
      const summary = await importFile(db.pool, file, { batchSize: 7 });
      importing = false;
      await reconciling;
      const after = await api.reconciler.runNow();
      expect(summary.inserted).toBe(41);
      expect(passes.length).toBeGreaterThan(0);
      expect(after).toMatchObject({ candidates: 0, enqueued: 0 });
      expect(await queue.count()).toBe(0);
      const lanes = await db.pool.query<{ lane: string; qc_status: string; n: number }>(
        'SELECT lane, qc_status, count(*)::int AS n FROM tickets GROUP BY 1, 2',
      );
      expect(lanes.rows).toEqual([{ lane: 'batch', qc_status: 'stored', n: 41 }]);

      // `batch run` (and the nightly job) select exactly these.
      const ctx = qcContextOf(await new ContextStore(db.pool).active());
      const selection = { contextVersion: ctx.version, statuses: ['solved', 'closed'] };
      expect(await countSelection(db.pool, selection)).toBe(41);

      // A live webhook for one imported ticket: that ticket is realtime now and queued.
      const res = await fetch(`${api.url}/webhooks/generic`, {
        method: 'POST',
        body: webhookBody,
        headers: signedHeaders('generic', webhookBody),
      });
      expect(res.status).toBe(202);
      const latest = await db.pool.query<{ lane: string; qc_status: string }>(
        `SELECT lane, qc_status FROM tickets WHERE source = 'generic' AND external_id = $1
         ORDER BY ticket_updated_at DESC, id DESC LIMIT 1`,
        [live.externalId],
      );
      expect(latest.rows[0]).toEqual({ lane: 'realtime', qc_status: 'queued' });
      expect(await queue.count()).toBe(1);
      expect(await countSelection(db.pool, selection)).toBe(40);
    } finally {
      await queue.close();
      redis.disconnect();
      await api.close();
    }
  });
});
