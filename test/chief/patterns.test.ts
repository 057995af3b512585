import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PATTERNS_SCHEDULER, startBatchScheduler } from '../../src/batches/scheduler.js';
import { minePatterns } from '../../src/chief/mine.js';
import { mineDepsOf } from '../../src/chief/mine-deps.js';
import { buildCli } from '../../src/cli/index.js';
import { upsertTicket } from '../../src/db/tickets.js';
import { createRedis } from '../../src/queue/connection.js';
import { Ticket } from '../../src/ticket/schema.js';
import { patternsJob } from '../../workers/qc-worker.js';
import { captureLog } from '../helpers/cli.js';
import { testConfig } from '../helpers/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { cleanPrefix, testPrefix } from '../helpers/redis.js';
import { chiefHarness } from './helpers.js';

/**
 * Issue 11 point 6: `patterns mine` over a history with two recurring
 * problems (OneDrive sync stuck on three tickets, shared-calendar permission
 * errors on three more) and two unrelated tickets. The simulator clusters by
 * keywords from the request's ticket texts and patterns.md (its README);
 * nothing here is a gold label.
 */

const at = (day: number, min: number) => new Date(Date.UTC(2026, 9, day, 9, min)).toISOString();

function ticket(id: string, day: number, subject: string, description: string, fix: string) {
  return Ticket.parse({
    source: 'test',
    externalId: id,
    subject,
    description,
    status: 'closed',
    priority: 'normal',
    requester: { name: `Requester ${id}`, email: `${id.toLowerCase()}@example.com` },
    assignee: { name: 'Sam Tech' },
    createdAt: at(day, 0),
    updatedAt: at(day, 50),
    closedAt: at(day, 50),
    comments: [
      { author: 'Sam Tech', role: 'agent', public: false, body: fix, at: at(day, 20) },
      {
        author: `Requester ${id}`,
        role: 'customer',
        public: true,
        body: 'Confirmed, fine now.',
        at: at(day, 40),
      },
    ],
    timeEntries: [{ minutes: 20, note: 'Remote session' }],
    tags: [],
  });
}

const SYNC = ['SYNC-1', 'SYNC-2', 'SYNC-3'];
const CAL = ['CAL-1', 'CAL-2', 'CAL-3'];
const HISTORY = [
  ticket(
    'SYNC-1',
    1,
    'OneDrive sync stuck on laptop',
    'OneDrive sync stuck with files pending upload since Monday on FIN-LT-0041.',
    'Cleared the OneDrive cache and re-linked the account; the files pending upload went through.',
  ),
  ticket(
    'SYNC-2',
    4,
    'Files not syncing',
    'My OneDrive sync stuck again, files pending upload for two days on HR-LT-0007.',
    'Cleared the OneDrive cache and re-linked the account; the files pending upload went through.',
  ),
  ticket(
    'SYNC-3',
    9,
    'OneDrive problem',
    'OneDrive sync stuck, files pending upload on the shared laptop SAL-LT-0112.',
    'Cleared the OneDrive cache and re-linked the account; the files pending upload went through.',
  ),
  ticket(
    'CAL-1',
    2,
    'Cannot open boss calendar',
    'Shared calendar permission error when opening the director calendar in Outlook.',
    'Removed and re-added the delegate, then the shared calendar permission error stopped.',
  ),
  ticket(
    'CAL-2',
    6,
    'Calendar access',
    'Getting a shared calendar permission error for the meeting room calendar.',
    'Removed and re-added the delegate, then the shared calendar permission error stopped.',
  ),
  ticket(
    'CAL-3',
    11,
    'Outlook calendar',
    'Shared calendar permission error again after the mailbox move.',
    'Removed and re-added the delegate, then the shared calendar permission error stopped.',
  ),
  ticket(
    'MISC-1',
    3,
    'New keyboard',
    'Keyboard keys sticking on desk 14.',
    'Swapped the keyboard for a spare from stock.',
  ),
  ticket(
    'MISC-2',
    7,
    'Monitor flicker',
    'Second screen flickers every few seconds at reception.',
    'Replaced the DisplayPort cable.',
  ),
];

let sim: Simulator;
const dbs: TestDb[] = [];

beforeAll(async () => {
  sim = await startSimulator({ seed: 11, noise: 0, batch: { processingMs: 300 } });
});
afterAll(async () => {
  for (const db of dbs) await db.drop();
  await sim?.close();
});

async function historyDb(): Promise<TestDb> {
  const db = await createTestDb();
  dbs.push(db);
  for (const t of HISTORY) await upsertTicket(db.pool, t);
  return db;
}

function cli(db: TestDb, ...args: string[]): Promise<string> {
  return cliEnv(db, {}, ...args);
}

function cliEnv(db: TestDb, env: Record<string, string>, ...args: string[]): Promise<string> {
  const config = testConfig({
    DATABASE_URL: db.url,
    ANTHROPIC_BASE_URL: sim.url,
    QC_SHADOW_RATE: '0',
    QC_BATCH_POLL_INTERVAL: '50ms',
    ...env,
  });
  return captureLog(() => buildCli(() => config).parseAsync(['node', 'ticket-qc', ...args]));
}

const minerCalls = () =>
  sim
    .requests()
    .filter((r) => JSON.stringify(r.body ?? '').includes('record_patterns'))
    .map((r) => `${r.method} ${r.path}`);

/** The new sections of a diff: id → the tickets its "Mined from tickets" line cites. */
function addedPatterns(diff: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let id: string | undefined;
  for (const line of diff.split('\n')) {
    const h = /^\+## `([a-z][a-z0-9_]*)`/.exec(line);
    if (h?.[1]) id = h[1];
    const m = /^\+Mined from tickets: (.+)$/.exec(line);
    if (id && m?.[1]) out.set(id, m[1].split(', ').sort());
  }
  return out;
}

async function rows(db: TestDb) {
  const p = await db.pool.query<{
    id: number;
    agent: string;
    file: string;
    status: string;
    diff: string | null;
    backtest: { summary: { fixed: number; regressed: number }; tickets: { role: string }[] } | null;
    strength: { tickets: number } | null;
  }>('SELECT * FROM prompt_proposals ORDER BY id');
  const runs = await db.pool.query<{ via: string; status: string; batch_id: string | null }>(
    'SELECT via, status, batch_id FROM pattern_mining_runs ORDER BY id',
  );
  return { proposals: p.rows, runs: runs.rows };
}

describe('patterns mine', () => {
  it('--dry-run prints the estimated cost on both paths and stores nothing', async () => {
    const db = await historyDb();
    const before = sim.requests().length;
    const out = await cli(db, 'patterns', 'mine', '--dry-run');
    expect(out).toMatch(/would mine 8 ticket\(s\) in 1 chunk\(s\) with claude-sonnet/);
    expect(out).toMatch(/--via batches\s+\$\d+\.\d{4}/);
    expect(out).toMatch(/--via realtime\s+\$\d+\.\d{4}/);
    expect(out).toContain('dry run: nothing was called or stored');
    expect(sim.requests().length).toBe(before);
    const r = await rows(db);
    expect(r.proposals).toHaveLength(0);
    expect(r.runs).toHaveLength(0);
  });

  it('via batches (the default): one patterns.md proposal adding two patterns that cite the right tickets, backtested', async () => {
    const db = await historyDb();
    const out = await cli(db, 'patterns', 'mine');
    expect(minerCalls()).toContain('POST /v1/messages/batches');
    expect(minerCalls().filter((c) => c === 'POST /v1/messages')).toHaveLength(0);
    expect(out).toMatch(/mined 8 ticket\(s\) in 1 chunk\(s\) with \S+ via batches \(run #1\)/);
    const r = await rows(db);
    expect(r.runs).toEqual([{ via: 'batches', status: 'proposed', batch_id: expect.any(String) }]);
    expect(r.proposals).toHaveLength(1);
    const p = r.proposals[0];
    expect(p?.agent).toBe('pattern-miner');
    expect(p?.file).toBe('patterns.md');
    const added = addedPatterns(p?.diff ?? '');
    expect([...added.values()].sort()).toEqual([CAL.sort(), SYNC.sort()]);
    // No existing pattern lost a line.
    expect(p?.diff).not.toMatch(/^-## /m);
    // Backtested: each cited ticket is graded before and after; the grader names the new pattern after.
    expect(p?.backtest?.tickets.filter((t) => t.role === 'trigger')).toHaveLength(6);
    expect(p?.backtest?.summary.fixed).toBe(6);
    expect(p?.backtest?.summary.regressed).toBe(0);
    expect(p?.status).toBe('pending');
    expect(p?.strength?.tickets).toBe(6);
    expect(out).toContain(`proposal #${p?.id} pending → context/patterns.md`);
    const shown = await cli(db, 'proposals', 'show', String(p?.id));
    expect(shown).toMatch(/Backtest with \S+: 6 fixed, 0 unchanged, 0 regressed/);
    // Mining the same history again: those tickets are covered by the open proposal.
    const again = await cli(db, 'patterns', 'mine');
    expect(again).toContain('no problem recurred often enough to become a pattern');
    const after = await rows(db);
    expect(after.proposals).toHaveLength(1);
    expect(after.runs.map((x) => x.status)).toEqual(['proposed', 'nothing']);
  });

  it('--via realtime calls the Messages API; a proposal whose backtest fixes too few is recorded as no_improvement, not offered', async () => {
    const db = await historyDb();
    const before = minerCalls().length;
    // The same rule as the chief's: offered only when the backtest fixes ≥ QC_CHIEF_MIN_FIXED cited tickets.
    const out = await cliEnv(
      db,
      { QC_CHIEF_MIN_FIXED: '7' },
      'patterns',
      'mine',
      '--via',
      'realtime',
      '--limit',
      '8',
    );
    expect(minerCalls().slice(before)).toEqual(['POST /v1/messages']);
    expect(out).toContain('via realtime');
    const r = await rows(db);
    expect(r.proposals.map((p) => p.status)).toEqual(['no_improvement']);
    expect(r.proposals[0]?.backtest?.summary.fixed).toBe(6);
    expect(out).toMatch(
      /no_improvement: the backtest fixed 6 cited ticket\(s\) \(at least 7 needed\)/,
    );
    expect(r.runs.map((x) => x.via)).toEqual(['realtime']);
  });

  it('a batch run left while its batch processes is collected by the next run, never submitted twice', async () => {
    const db = await historyDb();
    const { rt } = chiefHarness(db, sim.url, { QC_BATCH_POLL_INTERVAL: '50ms' });
    const deps = mineDepsOf(rt);
    const creates = () =>
      sim.requests().filter((r) => r.method === 'POST' && r.path === '/v1/messages/batches').length;
    const before = creates();
    sim.setOptions({ batch: { processingMs: 3_600_000 } });
    try {
      // What the scheduled job does: submit, do not wait.
      const first = await minePatterns(deps, { limit: 100, via: 'batches', wait: false });
      expect(first.waiting).toEqual(expect.any(String));
      expect(first.proposal).toBeUndefined();
      expect(creates()).toBe(before + 1);
      // What the batch poller does while it is processing: nothing new.
      expect(
        (await minePatterns(deps, { limit: 100, via: 'batches', resumeOnly: true, wait: false }))
          .waiting,
      ).toBe(first.waiting);
      sim.clock.advance(3_600_000);
      const second = await minePatterns(deps, {
        limit: 100,
        via: 'batches',
        resumeOnly: true,
        wait: false,
      });
      expect(second.resumed).toBe(true);
      expect(second.proposal?.status).toBe('pending');
      expect(creates()).toBe(before + 1);
      expect((await rows(db)).runs).toEqual([
        { via: 'batches', status: 'proposed', batch_id: first.waiting },
      ]);
    } finally {
      sim.setOptions({ batch: { processingMs: 300 } });
    }
  });

  it('QC_PATTERNS_CRON registers a job scheduler on the batch queue only when set', async () => {
    const db = await historyDb();
    const prefix = testPrefix();
    const list = async (env: Record<string, string>) => {
      const { rt } = chiefHarness(db, sim.url, env);
      const connection = createRedis(rt.config.REDIS_URL, 'worker');
      const s = await startBatchScheduler(rt, { connection, prefix, patterns: patternsJob(rt) });
      try {
        const q = new Queue('batch', { connection, prefix });
        const ids = (await q.getJobSchedulers()).map((j) => `${j.key}:${j.pattern ?? j.every}`);
        await q.close();
        return ids;
      } finally {
        await s.close();
        connection.disconnect();
      }
    };
    try {
      expect((await list({})).filter((x) => x.startsWith(PATTERNS_SCHEDULER))).toEqual([]);
      expect(await list({ QC_PATTERNS_CRON: '0 3 * * 0' })).toContain(
        `${PATTERNS_SCHEDULER}:0 3 * * 0`,
      );
      // Unset again: the schedule an earlier start registered is removed.
      expect((await list({})).filter((x) => x.startsWith(PATTERNS_SCHEDULER))).toEqual([]);
    } finally {
      await cleanPrefix(prefix);
    }
  });
});
