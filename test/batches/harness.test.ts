import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { adminUrl } from '../helpers/urls.js';
import { type Harness, startHarness } from './harness.js';

let first: Harness | undefined;

describe('the batches harness', () => {
  it('is started by a test that does not close it', async () => {
    first = await startHarness({ tickets: 1 });
    expect((await fetch(`${first.sim.url}/v1/models`)).status).toBeGreaterThan(0);
  });

  it('was closed after that test by the harness hook: simulator and database gone', async () => {
    const h = first as Harness;
    await expect(fetch(`${h.sim.url}/v1/models`)).rejects.toThrow();
    const admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
    try {
      const r = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [h.db.name]);
      expect(r.rowCount).toBe(0);
    } finally {
      await admin.end();
    }
  });
});
