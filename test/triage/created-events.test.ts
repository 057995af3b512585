import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/queue/connection.js';
import { createRuntime } from '../../src/runtime.js';
import { startTriage, type TriageLoops } from '../../src/triage/index.js';
import { deliver, fixture, type Harness, startHarness } from '../api/helpers.js';
import { waitFor } from '../helpers/pipeline.js';

/**
 * Triage starts from each vendor's webhook: the first version a vendor's
 * event stores (its "created" event, or the first one we receive) is
 * triaged once, on its creation state; later events of the same ticket are
 * not triaged again. (TRIAGE_MAX_AGE is wide open: the fixtures are dated.)
 */

const FIRST: [source: string, file: string][] = [
  ['zendesk', 'status-changed'],
  ['jira', 'issue-created-adf'],
  ['freshdesk', 'simple-resolved'],
  ['servicenow', 'incident-resolved'],
  ['generic', 'ticket'],
];

let h: Harness;
let sim: Simulator;
let loops: TriageLoops;
const redis: Redis[] = [];

beforeAll(async () => {
  sim = await startSimulator({ seed: 4, noise: 0 });
  h = await startHarness({ env: { TRIAGE_MAX_AGE: '36500d', TRIAGE_POLL_INTERVAL: '300ms' } });
  const rt = createRuntime(
    { ...h.config, ANTHROPIC_BASE_URL: sim.url },
    { logger: pino({ level: 'silent' }), pool: h.db.pool },
  );
  for (let i = 0; i < 2; i++) redis.push(createRedis(h.config.REDIS_URL, 'worker'));
  loops = await startTriage(rt, {
    connection: redis[0] as Redis,
    producer: redis[1] as Redis,
    prefix: h.prefix,
  });
});
afterAll(async () => {
  await loops?.close();
  for (const r of redis) r.disconnect();
  await h?.close();
  await sim?.close();
});

describe('triage from each vendor webhook', () => {
  for (const [source, file] of FIRST) {
    it(`${source}/${file}: the first version is triaged once`, async () => {
      const res = await deliver(h, source, fixture(`${source}/${file}.json`));
      expect(res.statusCode, res.body).toBe(202);
      const { ticketId } = res.json() as { ticketId: number };
      const row = await waitFor(`triage of ${source}`, async () => {
        const r = await h.db.pool.query<{ ticket_id: number; missing: string[] }>(
          'SELECT ticket_id, missing FROM triage_results WHERE ticket_id = $1',
          [ticketId],
        );
        return r.rows[0];
      });
      expect(row.ticket_id).toBe(ticketId);
      // The simulator saw the creation state: status new, no technician replies.
      const seen = sim
        .requests()
        .map((r) => JSON.stringify(r.body ?? {}))
        .filter((b) => b.includes('record_intake_check'))
        .at(-1);
      expect(seen).toContain('\\"status\\": \\"new\\"');
      expect(seen).not.toContain('\\"role\\": \\"agent\\"');
    });
  }

  it('a redelivery of the same ticket is not triaged again', async () => {
    const before = (await h.db.pool.query('SELECT 1 FROM triage_results')).rowCount;
    const body = JSON.parse(fixture('jira/issue-created-adf.json'));
    body.timestamp = (body.timestamp ?? 0) + 60_000;
    body.issue.fields.summary = `${body.issue.fields.summary} (edited)`;
    await deliver(h, 'jira', JSON.stringify(body));
    await loops.pass();
    expect((await h.db.pool.query('SELECT 1 FROM triage_results')).rowCount).toBe(before);
  });
});
