import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../src/cli/index.js';
import type { Config } from '../../src/config.js';
import { verifyPassword } from '../../src/decisions/password.js';
import { usd } from '../../src/format/display.js';
import { createRedis } from '../../src/queue/connection.js';
import { QC_QUEUE } from '../../src/queue/jobs.js';
import { captureLog, runCli } from '../helpers/cli.js';
import { testConfig } from '../helpers/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { cleanPrefix, testPrefix } from '../helpers/redis.js';
import { type Seeded, seedReview } from './seed.js';

/** The review commands against a seeded database, run in-process as `ticket-qc …` would. */

let db: TestDb;
let seeded: Seeded;
let config: Config;
const prefix = testPrefix();

beforeAll(async () => {
  db = await createTestDb();
  seeded = await seedReview(db.pool);
  config = testConfig({ DATABASE_URL: db.url, QUEUE_PREFIX: prefix, REVIEW_USERS: '' });
});
afterAll(async () => {
  await cleanPrefix(prefix);
  await db?.drop();
});

async function run(...args: string[]): Promise<string> {
  const program = buildCli(() => config).exitOverride();
  return captureLog(() => program.parseAsync(['node', 'ticket-qc', ...args]));
}

const totalRow = (out: string) =>
  out
    .split('\n')
    .find((l) => l.startsWith('TOTAL'))
    ?.trim()
    .split(/\s+/) ?? [];

describe('ticket-qc costs', () => {
  it('totals equal the sum of llm_call events, whatever the grouping', async () => {
    const sum = await db.pool.query<{ n: number; cost: string; tokens: string }>(
      `SELECT count(*)::int AS n, sum(cost_usd) AS cost,
              sum(input_tokens + output_tokens + cache_creation_input_tokens + cache_read_input_tokens) AS tokens
       FROM agent_events WHERE kind = 'llm_call'`,
    );
    const want = sum.rows[0];
    const top = await db.pool.query<{ agent: string; purpose: string; model: string }>(
      `SELECT agent, purpose, model FROM agent_events WHERE kind = 'llm_call'
       GROUP BY 1, 2, 3 ORDER BY sum(cost_usd) DESC LIMIT 1`,
    );
    const driver = top.rows[0];
    for (const by of ['agent', 'model', 'day', 'ticket']) {
      const out = await run('costs', '--by', by);
      expect(out.split('\n')[0]).toMatch(
        new RegExp(`^${by}\\s+executions\\s+tokens\\s+cost\\s+avg/execution`),
      );
      const [, executions, tokens, cost] = totalRow(out);
      expect(executions?.replace(/,/g, '')).toBe(String(want?.n));
      expect(tokens?.replace(/,/g, '')).toBe(String(want?.tokens));
      expect(cost).toBe(usd(Number(want?.cost)));
      expect(out).toContain(
        `Biggest cost driver: ${driver?.agent} · ${driver?.purpose} · ${driver?.model}`,
      );
    }
  });

  it('--since and --until narrow the range to whole days', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const out = await run('costs', '--by', 'day', '--since', today, '--until', today);
    const r = await db.pool.query<{ cost: string }>(
      "SELECT sum(cost_usd) AS cost FROM agent_events WHERE kind = 'llm_call' AND occurred_at >= $1::date AND occurred_at < $1::date + 1",
      [today],
    );
    if (r.rows[0]?.cost === null) expect(out).toBe('no model calls in this range');
    else expect(totalRow(out)[3]).toBe(usd(Number(r.rows[0]?.cost)));
  });
});

describe('ticket-qc escalations', () => {
  it('lists, shows and resolves', async () => {
    const id = seeded.escalationIds[0] ?? 0;
    const list = await run('escalations', 'list');
    expect(list.split('\n').length).toBe(2 + seeded.escalationIds.length);
    const show = await run('escalations', 'show', String(id));
    expect(show).toContain(`Escalation #${id}`);
    expect(show).toMatch(/problem_statement/);
    expect(
      await run(
        'escalations',
        'resolve',
        String(id),
        '--note',
        'handled by phone',
        '--reviewer',
        'carol',
      ),
    ).toContain('resolved by carol');
    const e = await db.pool.query('SELECT status, resolved_by FROM escalations WHERE id = $1', [
      id,
    ]);
    expect(e.rows[0]).toEqual({ status: 'resolved', resolved_by: 'carol' });
    const a = await db.pool.query(
      "SELECT actor, role, via FROM review_audit WHERE action = 'escalation.resolve'",
    );
    expect(a.rows).toEqual([{ actor: 'carol', role: 'operator', via: 'cli' }]);
    expect(await run('escalations', 'list', '--status', 'resolved')).toContain(String(id));
  });

  it('prints ticket text inert: no terminal escape sequence reaches the lead', async () => {
    const id = seeded.escalationIds[1] ?? 0;
    // OSC 52 (write the clipboard), clear screen, and a C1 CSI: all from a hostile ticket.
    const evil = 'Kim\u001b]52;c;cm0gLXJmIH4=\u0007\u001b[2J\u009b8mhidden';
    await db.pool.query(
      `UPDATE tickets SET assignee = $2, ticket = jsonb_set(jsonb_set(ticket, '{subject}', to_jsonb($2::text)),
         '{assignee}', jsonb_build_object('name', $2::text))
       WHERE id = (SELECT ticket_id FROM escalations WHERE id = $1)`,
      [id, evil],
    );
    await db.pool.query('UPDATE escalations SET reason = $2 WHERE id = $1', [id, evil]);
    for (const out of [
      await run('escalations', 'list'),
      await run('escalations', 'show', String(id)),
    ]) {
      expect(out).toContain('Kim\ufffd');
      // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
      expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    }
  });
});

describe('ticket-qc queue', () => {
  it('pauses and resumes the qc queue', async () => {
    const redis = createRedis(config.REDIS_URL, 'producer');
    const q = new Queue(QC_QUEUE, { connection: redis, prefix });
    try {
      expect(await run('queue', 'pause', '--reviewer', 'carol')).toContain('paused by carol');
      expect(await q.isPaused()).toBe(true);
      expect(await run('queue', 'status')).toContain('PAUSED');
      expect(await run('queue', 'resume', '--reviewer', 'carol')).toContain('resumed by carol');
      expect(await q.isPaused()).toBe(false);
    } finally {
      await q.close();
      redis.disconnect();
    }
  });
});

describe('ticket-qc review hash-password', () => {
  it('prints a REVIEW_USERS entry whose hash verifies', async () => {
    // `printf "correct horse battery\n" | ticket-qc review hash-password --name dana --role admin`
    const { stdout, status, stderr } = await runCli(
      config,
      ['review', 'hash-password', '--name', 'dana', '--role', 'admin'],
      { stdin: 'correct horse battery\n' },
    );
    expect(status, stderr).toBe(0);
    const [name, role, ...hash] = stdout.trim().split(':');
    expect([name, role]).toEqual(['dana', 'admin']);
    expect(await verifyPassword('correct horse battery', hash.join(':'))).toBe(true);
    expect(await verifyPassword('wrong', hash.join(':'))).toBe(false);
  });
});
