import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { type FakeHelpdesk, startFakeHelpdesk } from '@ticket-qc/fake-helpdesk';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/queue/connection.js';
import { createRuntime } from '../../src/runtime.js';
import { startWriteback, type WritebackLoops } from '../../src/writeback/index.js';
import { deliver, fixture, type Harness, startGrader, startHarness } from '../api/helpers.js';
import { waitFor } from '../helpers/pipeline.js';

/**
 * The whole loop over real HTTP: a signed Jira webhook → stored → graded by
 * a QC worker through the simulator → an internal comment and a label on the
 * fake help desk → the comment's own webhook comes back and is ignored: no
 * new version, no second grade, no second note.
 */

const BOT = '5b10ac8d82e05b22cc7d4ef5';
let h: Harness;
let sim: Simulator;
let desk: FakeHelpdesk;
let grader: Awaited<ReturnType<typeof startGrader>>;
let loops: WritebackLoops;
const redis: Redis[] = [];

beforeAll(async () => {
  sim = await startSimulator({ seed: 9, noise: 0 });
  desk = await startFakeHelpdesk();
  h = await startHarness({
    env: {
      QC_DEBOUNCE: '100ms',
      JIRA_BOT_ACCOUNT_ID: BOT,
      WRITEBACK_JIRA: 'note,tags',
      JIRA_BASE_URL: desk.baseUrl('jira'),
      JIRA_EMAIL: 'qc-bot@acme.example',
      JIRA_API_TOKEN: 'tok',
      WRITEBACK_RATE_PER_MINUTE: '0',
      WRITEBACK_POLL_INTERVAL: '300ms',
    },
  });
  grader = await startGrader(h, sim.url);
  const rt = createRuntime(h.config, { logger: pino({ level: 'silent' }), pool: h.db.pool });
  for (let i = 0; i < 2; i++) redis.push(createRedis(h.config.REDIS_URL, 'worker'));
  loops = await startWriteback(rt, {
    connection: redis[0] as Redis,
    producer: redis[1] as Redis,
    prefix: h.prefix,
  });
});
afterAll(async () => {
  await loops?.close();
  await grader?.close();
  for (const r of redis) r.disconnect();
  await h?.close();
  await desk?.close();
  await sim?.close();
});

describe('the loop is closed, and does not loop', () => {
  it('webhook → grade → internal comment; its echo stores nothing and posts nothing', async () => {
    const res = await deliver(h, 'jira', fixture('jira/issue-resolved.json'));
    expect(res.statusCode, res.body).toBe(202);
    const [comment, labels] = await desk.waitForRequests(2, { vendor: 'jira' }, 30_000);
    expect(comment?.path).toBe('/rest/servicedeskapi/request/HD-342/comment');
    expect(comment?.body).toMatchObject({ public: false });
    expect(labels?.path).toBe('/rest/api/3/issue/HD-342');

    // Jira sends the comment back as comment_created, authored by our bot.
    const echo = JSON.parse(fixture('jira/echo-jira-comment_created.json'));
    echo.issue.key = 'HD-342';
    echo.issue.id = '10207';
    echo.comment.body = (comment?.body as { body: string } | undefined)?.body;
    const versions = async () =>
      (await h.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets')).rows[0]?.n;
    const before = await versions();
    const back = await deliver(h, 'jira', JSON.stringify(echo));
    expect(back.json()).toMatchObject({ status: 'ignored' });
    const labelsEcho = JSON.parse(fixture('jira/echo-jira-issue_updated-labels.json'));
    labelsEcho.issue.key = 'HD-342';
    expect((await deliver(h, 'jira', JSON.stringify(labelsEcho))).json()).toMatchObject({
      status: 'ignored',
    });
    expect(await versions()).toBe(before);

    // The outbox is settled and nothing else was sent.
    await waitFor('the note delivered', async () => {
      const r = await h.db.pool.query<{ status: string }>('SELECT status FROM writeback_outbox');
      return r.rows.length === 1 && r.rows[0]?.status === 'delivered' ? true : undefined;
    });
    await loops.relay.pass();
    expect(desk.requests({ vendor: 'jira' })).toHaveLength(2);
    expect(desk.notes().filter((n) => n.public)).toEqual([]);
  });
});
