import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { upsertTicket } from '../../src/db/tickets.js';
import { readJsonl } from '../../src/import/jsonl.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { startPipeline, waitFor } from '../helpers/pipeline.js';

let db: TestDb;
let sim: Simulator;
const received: { text: string }[] = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => {
    body += d;
  });
  req.on('end', () => {
    received.push(JSON.parse(body) as { text: string });
    res.end('ok');
  });
});

beforeAll(async () => {
  sim = await startSimulator({ seed: 4, noise: 0 });
  db = await createTestDb();
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await sim.close();
  await db.drop();
  receiver.close();
});

describe('escalation notifications from the QC worker', () => {
  it('a new escalation is posted to NOTIFY_WEBHOOK_URL once, a passing ticket is not', async () => {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/T000/B000/secret`;
    const p = await startPipeline(db, sim.url, { NOTIFY_WEBHOOK_URL: url });
    try {
      const ids: number[] = [];
      for await (const row of readJsonl('examples/tickets.jsonl')) {
        if (row.ok && ['EX-1073', 'EX-1001'].includes(row.ticket.externalId)) {
          ids.push((await upsertTicket(db.pool, row.ticket)).id);
        }
      }
      // Every post the worker starts, so the test can wait for all of them to settle.
      const posts = vi.spyOn(p.rt.notifier, 'escalations');
      await p.startWorker();
      await p.enqueue(ids);
      await waitFor('both graded', async () => {
        const r = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM qc_results');
        return r.rows[0]?.n === 2;
      });
      // Both jobs done: every notification they were going to post has been started…
      await waitFor('both jobs completed', async () => (await p.queue.getCompletedCount()) === 2);
      // …and once each has settled, the receiver has everything it will ever get.
      await Promise.all(posts.mock.results.map((r) => r.value));
      await waitFor('a notification', async () => received.length > 0);
      expect(received).toHaveLength(1);
      expect(received[0]?.text).toContain('EX-1073');
      expect(received[0]?.text).toContain('security_incident');
    } finally {
      await p.close();
    }
  });

  it('customer-written text reaches the chat inert: no channel ping, no disguised link', async () => {
    received.length = 0;
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/T000/B000/secret`;
    const p = await startPipeline(db, sim.url, { NOTIFY_WEBHOOK_URL: url });
    try {
      let id = 0;
      for await (const row of readJsonl('examples/tickets.jsonl')) {
        if (row.ok && row.ticket.externalId === 'EX-1073') {
          const hostile = {
            ...row.ticket,
            externalId: 'EX-1073-<!here>',
            subject: `<!channel> urgent <https://evil.example|your SSO login> & ${row.ticket.subject}`,
            updatedAt: new Date(Date.parse(row.ticket.updatedAt) + 60_000).toISOString(),
          };
          id = (await upsertTicket(db.pool, hostile)).id;
        }
      }
      await p.startWorker();
      await p.enqueue([id]);
      await waitFor('a notification', async () => received.length > 0);
      const text = received[0]?.text ?? '';
      expect(text).toContain('security_incident');
      expect(text).toContain(
        '&lt;!channel&gt; urgent &lt;https://evil.example|your SSO login&gt; &amp; I think',
      );
      expect(text).toContain('EX-1073-&lt;!here&gt;');
      // Slack parses only `<…>` sequences: none may come from the ticket.
      expect(text).not.toMatch(/<[!@#]|<https?:/);
    } finally {
      await p.close();
    }
  });
});
