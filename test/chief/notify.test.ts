import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifier, notifyEscalations } from '../../src/notify/index.js';
import { createRuntime } from '../../src/runtime.js';
import { runChiefProcess } from '../../workers/chief-of-staff.js';
import { testConfig } from '../helpers/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { storeExamples, waitFor } from '../helpers/pipeline.js';
import { cleanPrefix, testPrefix } from '../helpers/redis.js';
import { proposalRows, seedFailures } from './helpers.js';

/**
 * Notifications reach a Slack-compatible incoming webhook (a local HTTP
 * receiver here): new escalations, and new proposals from the chief running
 * as its BullMQ job scheduler. A receiver that fails never fails the sender.
 */

let receiver: Server;
let url = '';
let status = 200;
const received: { text: string }[] = [];
let db: TestDb;
let sim: Simulator;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      if (req.headers['content-type'] === 'application/json') received.push(JSON.parse(body));
      res.writeHead(status).end(status === 200 ? 'ok' : 'no_service');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/services/T000/B000/XXXX`;
  db = await createTestDb();
  sim = await startSimulator({ seed: 2, noise: 0 });
});
afterAll(async () => {
  await new Promise((r) => receiver.close(r));
  await sim?.close();
  await db?.drop();
});

describe('notifications', () => {
  it('a new escalation arrives at the webhook as Slack-compatible JSON', async () => {
    const lines: { msg: string }[] = [];
    const logger = pino(
      { level: 'warn' },
      { write: (s: string) => void lines.push(JSON.parse(s)) },
    );
    const notifier = createNotifier({ url, logger });
    const ok = await notifyEscalations(notifier, {
      ticketId: 42,
      externalId: 'EX-1042',
      subject: 'Clicked a phishing link',
      escalations: [{ rule: 'security_incident', reason: 'Signal of possible security incident' }],
    });
    expect(ok).toBe(true);
    expect(received.at(-1)?.text).toMatch(/EX-1042 \(#42\)[\s\S]*`security_incident`/);

    status = 500;
    expect(
      await notifier.escalations({
        ticketId: 1,
        escalations: [{ rule: 'data_loss', reason: 'x' }],
      }),
    ).toBe(false);
    status = 200;
    const down = createNotifier({
      url: 'http://127.0.0.1:9/hooks/secret-token',
      logger,
      timeoutMs: 500,
    });
    expect(
      await down.proposal({
        id: 1,
        agent: 'triage',
        category: 'x',
        file: 'f',
        tickets: 3,
        failures: 3,
      }),
    ).toBe(false);
    expect(lines.map((l) => l.msg)).toEqual([
      'notification webhook refused the message',
      'notification webhook unreachable',
    ]);
    expect(JSON.stringify(lines)).not.toContain('secret-token');
    expect(
      await createNotifier({ url: undefined, logger }).proposal({
        id: 1,
        agent: 'a',
        category: 'b',
        file: 'c',
        tickets: 3,
        failures: 3,
      }),
    ).toBe(false);
  });

  it('the chief process (job scheduler, first pass at once) announces a new proposal', async () => {
    const prefix = testPrefix();
    const config = testConfig({
      DATABASE_URL: db.url,
      ANTHROPIC_BASE_URL: sim.url,
      QUEUE_PREFIX: prefix,
      NOTIFY_WEBHOOK_URL: url,
      QC_CHIEF_INTERVAL: '1h',
    });
    const rt = createRuntime(config, { logger: pino({ level: 'silent' }), pool: db.pool });
    const tickets = await storeExamples(db, 3);
    await seedFailures(
      db,
      tickets.map((t) => ({ ticketId: t })),
    );
    const before = received.length;
    const chief = await runChiefProcess(config, { installSignals: false, runtime: rt });
    try {
      const msg = await waitFor('a proposal notification', async () =>
        received.slice(before).find((m) => m.text.includes('Proposal #')),
      );
      const [proposal] = await proposalRows(db);
      expect(msg.text).toContain(`Proposal #${proposal?.id}: revise \`context/agents/triage.md\``);
      expect(msg.text).toContain('`triage/insufficient_detail` failures on 3 tickets');
    } finally {
      await chief.close();
      await cleanPrefix(prefix);
    }
  });
});
