import { startSimulator } from '@ticket-qc/anthropic-simulator';
import { Queue, type Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../src/config.js';
import { seedContext } from '../src/context/store.js';
import { ensureDatabase, migrate } from '../src/db/migrate.js';
import { createPool } from '../src/db/pool.js';
import { gradedCount, ungradedOf } from '../src/db/results.js';
import { formatSummary, summarize } from '../src/db/summary.js';
import { readJsonl } from '../src/import/jsonl.js';
import { type ImportItem, upsertMany } from '../src/import/upsert.js';
import { createLogger } from '../src/logger.js';
import { qcContextOf } from '../src/qc/context.js';
import { startQcWorker } from '../src/qc/worker.js';
import { createRedis, quietQueue, redisTargetOf } from '../src/queue/connection.js';
import { enqueueQc } from '../src/queue/enqueue.js';
import { QC_QUEUE } from '../src/queue/jobs.js';
import { createRuntime } from '../src/runtime.js';
import {
  type DemoHelpdesk,
  settledNotes,
  startDemoHelpdesk,
  triageExamples,
} from './demo-helpdesk.js';

export interface DemoOptions {
  file: string;
  limit?: number;
  timeoutMs?: number;
  out?: (line: string) => void;
  /**
   * `demo --keep` / `ticket-qc dev`: leave the simulator, a worker, the chief
   * and the API with the review pages running, with a printed login, until
   * SIGINT/SIGTERM (or until `until` settles, for tests).
   */
  keep?: boolean;
  until?: Promise<unknown>;
  onReady?: (r: { url: string; user: string; password: string }) => void;
}

/**
 * `npm run demo`: migrate, start the simulator when no API key is set, start a
 * worker, enqueue the examples, wait, print a summary. Leaves the data in
 * PostgreSQL for inspection.
 */
export async function runDemo(baseConfig: Config, opts: DemoOptions): Promise<number> {
  const out = opts.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const offline = !baseConfig.ANTHROPIC_API_KEY;
  out(
    offline
      ? 'No ANTHROPIC_API_KEY set: grading against the local Anthropic API simulator (offline and deterministic; its verdicts come from keyword rules, not a real model).'
      : `ANTHROPIC_API_KEY is set: grading with the Anthropic API (${baseConfig.QC_MODEL}, tier-up ${baseConfig.QC_STRONG_MODEL}).`,
  );
  const logger = createLogger({
    level: baseConfig.LOG_LEVEL === 'info' ? 'warn' : baseConfig.LOG_LEVEL,
    name: 'demo',
  });

  if (await ensureDatabase(baseConfig.DATABASE_URL))
    out(`Created database ${new URL(baseConfig.DATABASE_URL).pathname.slice(1)}.`);
  const setupPool = createPool(baseConfig.DATABASE_URL, { logger, max: 2 });
  let mig: Awaited<ReturnType<typeof migrate>>;
  let seeded: string[];
  try {
    mig = await migrate(setupPool);
    seeded = await seedContext(setupPool, baseConfig.QC_CONTEXT_DIR);
  } finally {
    await setupPool.end();
  }
  out(
    `Database ready (${mig.applied.length} migrations applied${seeded.length ? `, context seeded: ${seeded.join(', ')}` : ''}).`,
  );

  const sim = offline
    ? await startSimulator({ latencyMs: 40, latencyJitterMs: 40, seed: 7 })
    : undefined;
  // Whatever fails from here on (a bad QC_MODEL throws in createRuntime), the
  // simulator's HTTP server must close, or the CLI never exits.
  try {
    const config: Config = sim ? { ...baseConfig, ANTHROPIC_BASE_URL: sim.url } : baseConfig;
    if (sim) out(`Simulator listening on ${sim.url}.`);
    const graded = await gradeExamples(config, opts, out, logger);
    if (!opts.keep) {
      await graded.close();
      return graded.code;
    }
    try {
      await keepRunning(config, opts, out, graded.close);
    } finally {
      await graded.close();
    }
    return graded.code;
  } finally {
    await sim?.close();
  }
}

/**
 * The API with the review pages, next to the worker that is still running:
 * a one-time admin login unless REVIEW_USERS is set, printed once.
 */
async function keepRunning(
  config: Config,
  opts: DemoOptions,
  out: (line: string) => void,
  closeWorker: () => Promise<void>,
): Promise<void> {
  const { randomBytes } = await import('node:crypto');
  const { hashPassword } = await import('../src/decisions/password.js');
  const { runApiProcess } = await import('./api.js');
  const user = 'lead';
  const password = randomBytes(9).toString('base64url');
  const own = config.REVIEW_USERS.length === 0;
  const apiConfig: Config = {
    ...config,
    LOG_LEVEL: 'warn',
    SESSION_SECRET: config.SESSION_SECRET ?? randomBytes(32).toString('hex'),
    REVIEW_USERS: own
      ? [{ name: user, role: 'admin', passwordHash: await hashPassword(password) }]
      : config.REVIEW_USERS,
  };
  const api = await runApiProcess(apiConfig, { signals: false });
  const url = `${api.url}/review`;
  out('');
  out(`Review pages: ${url}/proposals`);
  out(
    own
      ? `Log in as "${user}" with password ${password} (an admin for this session only).`
      : 'Log in with one of REVIEW_USERS.',
  );
  out(
    `Still running: the simulator (ANTHROPIC_BASE_URL=${config.ANTHROPIC_BASE_URL ?? 'the Anthropic API'}), a QC worker and the API. Ctrl-C stops them.`,
  );
  opts.onReady?.({ url, user, password: own ? password : '' });
  try {
    await (opts.until ??
      new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      }));
  } finally {
    out('Stopping…');
    await closeWorker();
    await api.close();
  }
}

async function gradeExamples(
  config: Config,
  opts: DemoOptions,
  out: (line: string) => void,
  logger: Logger,
): Promise<{ code: number; close: () => Promise<void> }> {
  const rt = createRuntime(config, { logger, name: 'demo' });
  const workerRedis = createRedis(redisTargetOf(config), 'worker', logger);
  const producerRedis = createRedis(redisTargetOf(config), 'producer', logger);
  const queue = quietQueue(
    new Queue(QC_QUEUE, { connection: producerRedis, prefix: config.QUEUE_PREFIX }),
  );
  let worker: Worker | undefined;
  let helpdesk: DemoHelpdesk | undefined;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await helpdesk?.close();
    await worker?.close();
    await queue.close();
    await workerRedis.quit().catch(() => workerRedis.disconnect());
    await producerRedis.quit().catch(() => producerRedis.disconnect());
    await rt.pool.end();
  };
  try {
    worker = await startQcWorker(rt, {
      connection: workerRedis,
      prefix: config.QUEUE_PREFIX,
      concurrency: config.QC_CONCURRENCY,
    });
    const ctx = qcContextOf(await rt.contexts.active());
    // Stored the way `batch import` stores (a reviewer's gold label outranks the file's).
    const items: ImportItem[] = [];
    let rejected = 0;
    for await (const row of readJsonl(opts.file)) {
      if (opts.limit !== undefined && items.length >= opts.limit) break;
      if (row.ok) items.push({ ticket: row.ticket, gold: row.gold });
      else {
        rejected++;
        out(`  line ${row.line} rejected: ${row.reason}`);
      }
    }
    const ticketIds = [...new Set((await upsertMany(rt.pool, items, 'realtime')).ids)];
    // Issue 15: write-back to a stand-in help desk, and the triage agent on each example as it arrived.
    helpdesk = await startDemoHelpdesk(rt, {
      connection: workerRedis,
      producer: producerRedis,
      prefix: config.QUEUE_PREFIX,
      source: items[0]?.ticket.source ?? 'examples',
    });
    out(`Fake help desk (Jira Service Management endpoints) listening on ${helpdesk.desk.url}.`);
    const keys = [
      ...new Map(
        items.map((i) => [`${i.ticket.source}/${i.ticket.externalId}`, i.ticket]),
      ).values(),
    ];
    const tri = await triageExamples(rt, keys);
    out(
      `Triage agent: ${tri.triaged} examples checked on their creation state (before the technician's work); ${tri.incomplete} with intake missing information${tri.failed ? `, ${tri.failed} failed` : ''}; ${tri.line}.`,
    );
    const pending = await ungradedOf(rt.pool, ticketIds, ctx.version);
    for (const t of pending) {
      await enqueueQc(
        queue,
        { ticketId: t.id, contentHash: t.content_hash, contextVersion: ctx.version, via: 'queue' },
        { attempts: config.QC_JOB_ATTEMPTS, failedRetentionMs: config.QC_FAILED_RETENTION },
      );
    }
    const enqueued = pending.length;
    out(
      `Loaded ${ticketIds.length} example tickets from ${opts.file}${rejected ? ` (${rejected} rejected)` : ''}; ${enqueued} queued for grading, ${ticketIds.length - enqueued} already graded.`,
    );

    const deadline = Date.now() + (opts.timeoutMs ?? 10 * 60_000);
    let lastReport = 0;
    for (;;) {
      const graded = await gradedCount(rt.pool, ticketIds, ctx.version);
      const failed = await queue.getFailedCount();
      if (graded + failed >= ticketIds.length) break;
      if (Date.now() > deadline) {
        out(`Timed out waiting: ${graded}/${ticketIds.length} graded.`);
        break;
      }
      if (Date.now() - lastReport > 2_000) {
        out(
          `  graded ${graded}/${ticketIds.length}${failed ? `, ${failed} failed (see \`ticket-qc failed\`)` : ''}`,
        );
        lastReport = Date.now();
      }
      await new Promise((res) => setTimeout(res, 250));
    }
    const summary = await summarize(rt.pool, { ticketIds, contextVersion: ctx.version });
    const notes = await settledNotes(rt, ticketIds, Date.now() + 60_000);
    const posted = helpdesk.desk.notes();
    const triageNotes = posted.filter((n) => n.body.startsWith('ticket-qc triage')).length;
    const qcNotes = posted.filter((n) => n.body.startsWith('ticket-qc verdict')).length;
    out('');
    out(formatSummary(summary));
    out('');
    out('');
    await chiefPass(rt, out);
    out('');
    out(
      `Write-back to the fake help desk: ${triageNotes} triage notes and ${qcNotes} QC notes posted as internal comments (${helpdesk.desk.requests().length} requests; ${posted.filter((n) => n.public).length} customer-visible)${notes.unsettled ? `, ${notes.unsettled} still in flight` : ''}${notes.failed ? `, ${notes.failed} failed (see \`ticket-qc writeback status\`)` : ''}.`,
    );
    out('');
    out(
      'The results stay in PostgreSQL: try `npm run cli -- failed`, or query qc_results and agent_events.',
    );
    return { code: 0, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The loop the product exists for: repeated failures → one chief pass → what a lead reviews. */
async function chiefPass(rt: ReturnType<typeof createRuntime>, out: (line: string) => void) {
  const { runChiefPass } = await import('../src/chief/pass.js');
  const { formatPass } = await import('../src/cli/proposal-format.js');
  const { chiefDeps } = await import('./chief-of-staff.js');
  out(
    `Chief of staff: one pass over the failures just recorded (${rt.config.CHIEF_MODEL}; a pair fires at ${rt.config.QC_CHIEF_THRESHOLD} distinct tickets):`,
  );
  const pass = await runChiefPass(chiefDeps(rt));
  out(formatPass(pass));
  if (!pass.proposals.some((p) => p.status === 'pending'))
    out('List everything the chief recorded with `npm run cli -- proposals list`.');
}
