/**
 * The reconciler over a backlog (src/qc/reconcile.ts): what a pass costs when
 * many versions wait to be graded. Passes over the same N versions:
 *
 * - **recovery**: Redis was down while N webhooks were accepted, so every
 *   version is `stored` with no job; the pass queues each one (this is how
 *   long a backlog takes to reach the workers once Redis is back);
 * - **steady**: the same N versions, each with its job waiting in Redis (a
 *   long debounce, a paused or saturated fleet); the pass only checks them,
 *   and does so every QC_RECONCILE_INTERVAL;
 * - **idle**: the N versions graded, nothing of the realtime lane waiting, only
 *   the history below (median of five passes).
 *
 * Baseline, measured in the same run on the same rows: the relay a buyer
 * would write instead — a page of `stored` ids, one `addBulk` of their jobs,
 * one UPDATE, page after page — with none of the reconciler's re-checks (the
 * ticket's lock, a newer version stored meanwhile, a failed or orphaned job,
 * the debounce left). Its jobs go under a queue prefix of their own, and the
 * rows are set back to `stored` before the recovery pass.
 *
 * The versions are stored by the real intake writer with no queue (what the
 * API does while Redis is down), in a database of the bench's own
 * (bench/db.ts). Node CPU is this process's (the pass runs here); PostgreSQL
 * CPU is the client backends of the bench database; Redis CPU and commands
 * are the whole server's (INFO), so the machine should be otherwise quiet.
 * Beside them, H versions of imported history wait in the batch lane (what
 * `batch import` leaves until `batch run` or the nightly job grades them),
 * inserted with one INSERT … SELECT: a pass must not read them.
 * BENCH_RECONCILE_VERSIONS sets N (default 20,000), BENCH_RECONCILE_HISTORY
 * sets H (default 100,000).
 *
 * Last, the memory of a pass's first read over a large backlog: M versions
 * waiting in the realtime lane (BENCH_RECONCILE_BACKLOG, default 1,000,000,
 * inserted with one INSERT … SELECT), their ids read by `waitingIds` (one
 * text value) against the plain read a buyer would write (a row per id), each
 * in a fresh child process that reports its peak RSS over the read
 * (/proc/self/status VmHWM, the mark reset just before), twice each, alternating.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import type pg from 'pg';
import { pino } from 'pino';
import { createBenchDb } from './db.js';
import { pgStatementCounts } from './pg-count.js';
import { BackendCpu, cleanPrefix, type RedisInfo, redisUsage, statusMb } from './procs.js';
import type { SummaryRow } from './report.js';

const N = Number(process.env.BENCH_RECONCILE_VERSIONS ?? 20_000);
const HISTORY = Number(process.env.BENCH_RECONCILE_HISTORY ?? 100_000);
const BACKLOG = Number(process.env.BENCH_RECONCILE_BACKLOG ?? 1_000_000);
const SELF = fileURLToPath(import.meta.url);

/** What one child process measured of one read of the waiting ids. */
interface IdRead {
  ids: number;
  ms: number;
  /** Peak RSS over the read, above the RSS just before it, MB. */
  peakMb: number;
}

/**
 * The child's side (RECONCILE_BENCH_IDS=ours|rows, RECONCILE_BENCH_DB=url):
 * one read of the waiting ids, then a JSON line on stdout.
 */
async function readIdsChild(kind: string, url: string): Promise<void> {
  const { createPool } = await import('../src/db/pool.js');
  const { waitingIds } = await import('../src/db/tickets.js');
  const pool = createPool(url, { max: 1 });
  try {
    await pool.query('SELECT 1');
    const q = { gradeOn: ['solved'] };
    // Warm: the statement's plan and the pool's code paths, on an empty read.
    await waitingIds(pool, { gradeOn: ['no-such-status'] });
    const before = await statusMb('self', 'VmRSS');
    // Resets VmHWM to the current RSS (Linux 4.0+).
    writeFileSync('/proc/self/clear_refs', '5');
    const t0 = performance.now();
    const ids =
      kind === 'ours'
        ? await waitingIds(pool, q)
        : (
            await pool.query<{ id: number }>(
              `SELECT id FROM tickets WHERE qc_status IN ('stored', 'queued') AND status = ANY($1)
                 AND lane = 'realtime' ORDER BY id`,
              [q.gradeOn],
            )
          ).rows.map((r) => r.id);
    const ms = performance.now() - t0;
    const peak = await statusMb('self', 'VmHWM');
    if (peak === undefined || before === undefined)
      throw new Error('no VmRSS/VmHWM in /proc/self/status');
    const out: IdRead = { ids: ids.length, ms, peakMb: peak - before };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    await pool.end();
  }
}

async function readIds(kind: 'ours' | 'rows', url: string): Promise<IdRead> {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF], {
    env: { ...process.env, RECONCILE_BENCH_IDS: kind, RECONCILE_BENCH_DB: url },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`id read (${kind}) exited with ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1) ?? '') as IdRead;
}

interface Cost {
  ms: number;
  nodeMs: number;
  pgMs: number;
  redisMs: number;
  statements: number;
  redisCommands: number;
  versions: number;
}

/** Runs `fn` and measures it: wall time, this process's CPU, the backends', Redis's. */
async function measure(
  admin: pg.Pool,
  database: string,
  redis: RedisInfo,
  fn: () => Promise<number>,
): Promise<Cost> {
  const backends = new BackendCpu(admin, database);
  await backends.begin();
  const r0 = await redisUsage(redis);
  const s0 = pgStatementCounts().statements;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let polling = true;
  // Backends opened during the pass are counted from their start; the last reading of each is kept.
  const poller = (async () => {
    while (polling) {
      await backends.poll();
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  const versions = await fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const statements = pgStatementCounts().statements - s0;
  polling = false;
  await poller;
  await backends.poll();
  const r1 = await redisUsage(redis);
  return {
    ms,
    nodeMs: (c.user + c.system) / 1000,
    pgMs: backends.total(),
    redisMs: r1.cpuMs - r0.cpuMs,
    statements,
    // The two INFO calls of each reading are commands too.
    redisCommands: r1.commands - r0.commands - 2,
    versions,
  };
}

export async function run(): Promise<{ markdown: string; summary: SummaryRow[] }> {
  const { loadConfig } = await import('../src/config.js');
  const { createPool } = await import('../src/db/pool.js');
  const { ContextStore } = await import('../src/context/store.js');
  const { qcContextOf } = await import('../src/qc/context.js');
  const { reconcileOnce } = await import('../src/qc/reconcile.js');
  const { createRedis } = await import('../src/queue/connection.js');
  const { createIntakeWriter, createWriterPool } = await import('../src/queue/intake-writer.js');
  const { QC_QUEUE, qcJobId } = await import('../src/queue/jobs.js');
  const { scheduleSettingsOf } = await import('../src/queue/schedule.js');
  const { Ticket } = await import('../src/ticket/schema.js');

  const base = loadConfig(process.env);
  const settings = { ...scheduleSettingsOf(base), gradeOn: ['solved'] };
  const db = await createBenchDb('reconcile', { contextDir: base.QC_CONTEXT_DIR });
  const admin = createPool(db.url, { max: 2, applicationName: 'bench-admin' });
  const pool = createPool(db.url, { max: 10 });
  const writerPool = createWriterPool(db.url);
  const runId = randomBytes(4).toString('hex');
  const prefix = `tqc-bench-reconcile-${process.pid}-${runId}`;
  const relayPrefix = `${prefix}-relay`;
  const redis = createRedis(base.REDIS_URL, 'producer');
  const queue = new Queue(QC_QUEUE, { connection: redis, prefix });
  const relayQueue = new Queue(QC_QUEUE, { connection: redis, prefix: relayPrefix });
  const logger = pino({ level: 'silent' });
  try {
    const contexts = new ContextStore(pool);
    const contextVersion = qcContextOf(await contexts.active()).version;
    // What the API does while Redis is down: every version is stored and waits.
    const writer = createIntakeWriter({
      pool,
      writerPool,
      queue: undefined,
      settings,
      contextVersion: async () => contextVersion,
      metrics: { enqueued: { inc: () => undefined }, enqueueDeferred: { inc: () => undefined } },
      logger,
    });
    const STEP = 1_000;
    for (let from = 0; from < N; from += STEP) {
      const outs = await Promise.all(
        Array.from({ length: Math.min(STEP, N - from) }, (_, k) => {
          const i = from + k;
          return writer.write({
            ticket: Ticket.parse({
              source: 'generic',
              externalId: `REC-${runId}-${i}`,
              subject: `Outlook prompts for a password every hour (${i})`,
              description: 'Since the migration, Outlook asks for the password every hour.',
              status: 'solved',
              createdAt: '2026-10-05T09:00:00Z',
              updatedAt: '2026-10-05T10:00:00Z',
            }),
            bodySha256: randomBytes(32).toString('hex'),
          });
        }),
      );
      const waiting = outs.filter((o) => o.grading === 'waiting_for_queue').length;
      if (waiting !== outs.length)
        throw new Error(`seeding: ${outs.length - waiting} versions did not wait for the queue`);
    }
    // Imported history, batch lane, stored: ~2 kB of ticket each, as a real import's rows.
    await admin.query(
      `INSERT INTO tickets (source, external_id, content_hash, status, subject, ticket, ticket_updated_at, lane)
       SELECT 'generic', 'HIST-' || g, md5('hist' || g), 'solved', 'Imported ticket',
              jsonb_build_object('description', repeat('history ', 250)), now() - interval '30 days', 'batch'
         FROM generate_series(1, $1::int) AS g`,
      [HISTORY],
    );
    await admin.query('VACUUM ANALYZE tickets');
    console.log(
      `reconcile: ${N} versions stored, waiting for a queue; ${HISTORY} history versions in the batch lane`,
    );
    const storedIds = async () =>
      (
        await admin.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM tickets WHERE qc_status = 'stored' AND lane = 'realtime'`,
        )
      ).rows[0]?.n ?? 0;

    // Baseline: the hand-written relay.
    const relay = await measure(admin, db.name, redis, async () => {
      let after = 0;
      let n = 0;
      for (;;) {
        const r = await pool.query<{ id: string; content_hash: string }>(
          `SELECT id, content_hash FROM tickets
           WHERE qc_status = 'stored' AND lane = 'realtime' AND id > $1 ORDER BY id LIMIT 500`,
          [after],
        );
        if (r.rows.length === 0) break;
        await relayQueue.addBulk(
          r.rows.map((t) => ({
            name: 'grade',
            data: {
              ticketId: Number(t.id),
              contentHash: t.content_hash,
              contextVersion,
              via: 'queue',
            },
            opts: { jobId: qcJobId(t.content_hash, contextVersion) },
          })),
        );
        await pool.query(`UPDATE tickets SET qc_status = 'queued' WHERE id = ANY($1::bigint[])`, [
          r.rows.map((t) => t.id),
        ]);
        n += r.rows.length;
        after = Number(r.rows.at(-1)?.id);
      }
      return n;
    });
    if (relay.versions !== N) throw new Error(`relay queued ${relay.versions} of ${N}`);
    if ((await relayQueue.count()) !== N) throw new Error('relay: jobs missing from its queue');
    await admin.query(`UPDATE tickets SET qc_status = 'stored' WHERE qc_status = 'queued'`);
    if ((await storedIds()) !== N) throw new Error('rows not set back to stored');

    const recovery = await measure(admin, db.name, redis, async () => {
      const s = await reconcileOnce({ pool, queue, contexts, settings, logger });
      if (s.enqueued !== N) throw new Error(`recovery pass queued ${s.enqueued} of ${N}`);
      return s.candidates;
    });
    if ((await storedIds()) !== 0) throw new Error('recovery pass left versions stored');
    if ((await queue.count()) !== N) throw new Error('recovery pass: jobs missing from the queue');

    if (process.env.XPLAIN) {
      const q = `EXPLAIN (ANALYZE, BUFFERS) SELECT t.id FROM tickets t
  WHERE t.qc_status IN ('stored', 'queued') AND t.status = ANY($1) AND t.id > $3
    AND t.lane = 'realtime'
    AND NOT EXISTS (SELECT 1 FROM qc_results r WHERE r.ticket_id = t.id AND r.context_version = $2)
    AND NOT EXISTS (SELECT 1 FROM tickets n WHERE n.source = t.source AND n.external_id = t.external_id
                    AND (n.ticket_updated_at, n.id) > (t.ticket_updated_at, t.id))
  ORDER BY t.id LIMIT $4`;
      const r = await pool.query(q, [['solved'], contextVersion, Math.floor(N / 2), 500]);
      console.log(r.rows.map((x: Record<string, string>) => x['QUERY PLAN']).join('\n'));
    }
    const steady = await measure(admin, db.name, redis, async () => {
      const s = await reconcileOnce({ pool, queue, contexts, settings, logger });
      if (s.live !== N || s.enqueued !== 0)
        throw new Error(`steady pass: ${s.live} live, ${s.enqueued} queued of ${N}`);
      return s.candidates;
    });

    // Idle: the realtime versions graded, only the history waiting (in the batch lane).
    await admin.query(`UPDATE tickets SET qc_status = 'graded' WHERE lane = 'realtime'`);
    await admin.query('ANALYZE tickets');
    const idleRuns: Cost[] = [];
    for (let i = 0; i < 5; i++)
      idleRuns.push(
        await measure(admin, db.name, redis, async () => {
          const s = await reconcileOnce({ pool, queue, contexts, settings, logger });
          if (s.candidates !== 0) throw new Error(`idle pass: ${s.candidates} candidates`);
          return 0;
        }),
      );
    const idle = [...idleRuns].sort((a, b) => a.ms - b.ms)[2] as Cost;

    // A large backlog's first read: M versions waiting in the realtime lane.
    await admin.query(
      `INSERT INTO tickets (source, external_id, content_hash, status, subject, ticket, ticket_updated_at, lane)
       SELECT 'generic', 'BACKLOG-' || g, md5('backlog' || g), 'solved', 'Waiting ticket', '{}'::jsonb,
              now(), 'realtime'
         FROM generate_series(1, $1::int) AS g`,
      [BACKLOG],
    );
    await admin.query('VACUUM ANALYZE tickets');
    const reads: { ours: IdRead[]; rows: IdRead[] } = { ours: [], rows: [] };
    for (let i = 0; i < 2; i++)
      for (const kind of ['ours', 'rows'] as const) {
        const r = await readIds(kind, db.url);
        if (r.ids !== BACKLOG) throw new Error(`id read (${kind}): ${r.ids} ids of ${BACKLOG}`);
        reads[kind].push(r);
      }
    const span = (xs: IdRead[], k: 'ms' | 'peakMb') => {
      const v = xs.map((x) => x[k]).sort((a, b) => a - b);
      const f = (x: number) => x.toFixed(k === 'ms' ? 0 : 1);
      return v[0] === v.at(-1) ? f(v[0] ?? 0) : `${f(v[0] ?? 0)}–${f(v.at(-1) ?? 0)}`;
    };
    const worst = (xs: IdRead[]) => Math.max(...xs.map((x) => x.peakMb));

    const per = (c: Cost, k: keyof Cost) => (c[k] as number) / c.versions;
    const row = (name: string, c: Cost) =>
      `| ${name} | ${c.versions.toLocaleString('en-US')} | ${(c.ms / 1000).toFixed(2)} s | ${Math.round((c.versions / c.ms) * 1000).toLocaleString('en-US')} | ${per(c, 'nodeMs').toFixed(3)} | ${per(c, 'pgMs').toFixed(3)} | ${per(c, 'redisMs').toFixed(3)} | ${per(c, 'statements').toFixed(3)} | ${per(c, 'redisCommands').toFixed(2)} |`;
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
    const rate = (c: Cost) => (c.versions / c.ms) * 1000;
    const markdown = [
      `${N.toLocaleString('en-US')} versions of distinct tickets waiting to be graded, stored by the intake writer with no queue`,
      `(what the API does while Redis is down), beside ${HISTORY.toLocaleString('en-US')} versions of imported history waiting in the batch lane (which a pass must not read). **recovery**: the reconciler pass that queues every one of them;`,
      '**steady**: the next pass over the same versions, each with its job waiting in Redis (it only checks them);',
      '**relay**: the baseline a buyer would write (a page of `stored` ids, one `addBulk`, one UPDATE, no re-checks),',
      'on the same rows before the recovery pass. Node CPU is the pass (this process); PostgreSQL CPU the bench',
      "database's client backends; Redis CPU and commands the whole server's (INFO).",
      '',
      '| pass | versions | wall | versions/s | node CPU ms/version | PG CPU ms/version | Redis CPU ms/version | SQL statements/version | Redis commands/version |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      row('relay (baseline)', relay),
      row('recovery', recovery),
      row('steady', steady),
      '',
      `Recovery / relay: **${ratio(rate(recovery), rate(relay))}** versions/s, ${ratio(per(recovery, 'nodeMs'), per(relay, 'nodeMs'))} node CPU, ${ratio(per(recovery, 'pgMs'), per(relay, 'pgMs'))} PostgreSQL CPU, ${ratio(per(recovery, 'statements'), per(relay, 'statements'))} statements a version.`,
      `A steady pass checks ${Math.round(rate(steady)).toLocaleString('en-US')} versions/s: with the default QC_RECONCILE_INTERVAL of 60 s, a backlog of ${N.toLocaleString('en-US')} waiting versions costs ${((steady.nodeMs + steady.pgMs + steady.redisMs) / 600).toFixed(2)} % of one core.`,
      `An idle pass (no realtime version waiting; the ${HISTORY.toLocaleString('en-US')} history versions still in the batch lane), median of 5: ${idle.ms.toFixed(1)} ms, ${idle.pgMs.toFixed(0)} ms of PostgreSQL CPU (the backends' CPU is read in 10 ms ticks).`,
      '',
      `A pass's first read over a backlog of ${BACKLOG.toLocaleString('en-US')} waiting versions (every waiting id, in id order), each read in a fresh process, two runs each, alternating; peak RSS is the growth over the read (VmHWM reset just before it):`,
      '',
      '| read | ids | wall ms | peak RSS growth MB |',
      '| --- | ---: | ---: | ---: |',
      `| a row per id (baseline: \`SELECT id … ORDER BY id\`) | ${BACKLOG.toLocaleString('en-US')} | ${span(reads.rows, 'ms')} | ${span(reads.rows, 'peakMb')} |`,
      `| \`waitingIds\` (one comma-separated text value) | ${BACKLOG.toLocaleString('en-US')} | ${span(reads.ours, 'ms')} | ${span(reads.ours, 'peakMb')} |`,
      '',
      `Peak RSS growth, worst run of each: ${worst(reads.ours).toFixed(1)} MB against ${worst(reads.rows).toFixed(1)} MB (**${ratio(worst(reads.ours), worst(reads.rows))}**).`,
    ].join('\n');
    const summary: SummaryRow[] = [
      {
        figure: `recovery pass: waiting versions queued/s (${N.toLocaleString('en-US')} versions)`,
        value: Math.round(rate(recovery)).toLocaleString('en-US'),
        baseline: `${Math.round(rate(relay)).toLocaleString('en-US')} (hand-written relay)`,
        ratio: ratio(rate(recovery), rate(relay)),
        goal: '—',
      },
      {
        figure: `steady pass: versions checked/s (${N.toLocaleString('en-US')} versions, jobs waiting)`,
        value: Math.round(rate(steady)).toLocaleString('en-US'),
        baseline: `${Math.round(rate(relay)).toLocaleString('en-US')} (hand-written relay, queueing)`,
        ratio: ratio(rate(steady), rate(relay)),
        goal: '—',
      },
      {
        figure: `first read of a ${BACKLOG.toLocaleString('en-US')}-version backlog: peak RSS growth MB (worst of 2)`,
        value: worst(reads.ours).toFixed(1),
        baseline: `${worst(reads.rows).toFixed(1)} (a row per id)`,
        ratio: ratio(worst(reads.ours), worst(reads.rows)),
        goal: '—',
      },
    ];
    return { markdown, summary };
  } finally {
    await queue.close().catch(() => undefined);
    await relayQueue.close().catch(() => undefined);
    await cleanPrefix(redis, prefix).catch(() => undefined);
    await cleanPrefix(redis, relayPrefix).catch(() => undefined);
    redis.disconnect();
    await writerPool.end().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await admin.end().catch(() => undefined);
    await db.drop();
  }
}

if (process.env.RECONCILE_BENCH_IDS)
  await readIdsChild(process.env.RECONCILE_BENCH_IDS, process.env.RECONCILE_BENCH_DB ?? '');
