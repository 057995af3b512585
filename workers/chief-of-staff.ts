import { pathToFileURL } from 'node:url';
import type { ChiefDeps, PassResult } from '../src/chief/pass.js';
import { runChiefPass } from '../src/chief/pass.js';
import { startChiefScheduler } from '../src/chief/scheduler.js';
import { type Config, loadConfigOrExit } from '../src/config.js';
import { captureConsole } from '../src/logger.js';
import { createNotifier } from '../src/notify/index.js';
import { createRedis, redisTargetOf } from '../src/queue/connection.js';
import { createRuntime, type Runtime } from '../src/runtime.js';

/** Output budget for a revised file: a 64 KiB context file is about 16k tokens. */
export const CHIEF_MAX_TOKENS = 16_384;

export function chiefDeps(rt: Runtime): ChiefDeps {
  const c = rt.config;
  return {
    pool: rt.pool,
    llm: rt.llm,
    contexts: rt.contexts,
    settings: { ...rt.settings, shadowRate: 0 },
    chief: {
      model: c.CHIEF_MODEL,
      threshold: c.QC_CHIEF_THRESHOLD,
      windowMs: c.QC_CHIEF_WINDOW,
      maxTokens: CHIEF_MAX_TOKENS,
      minFixed: c.QC_CHIEF_MIN_FIXED,
      maxRegressed: c.QC_CHIEF_MAX_REGRESSED,
      maxProposals: c.QC_CHIEF_MAX_PROPOSALS,
    },
    logger: rt.logger,
    notifier: createNotifier({ url: c.NOTIFY_WEBHOOK_URL, logger: rt.logger }),
  };
}

/** `ticket-qc chief run-once`: one pass, then exit. */
export async function runChiefOnce(config: Config): Promise<PassResult> {
  const rt = createRuntime(config, { name: 'chief-of-staff' });
  try {
    return await runChiefPass(chiefDeps(rt));
  } finally {
    await rt.pool.end();
  }
}

/**
 * `ticket-qc chief` / workers/chief-of-staff.ts: the scheduler loop until
 * SIGTERM. Shutdown stops taking passes (a pass in flight finishes), closes
 * Redis, then PostgreSQL, then flushes logs.
 */
export async function runChiefProcess(
  config: Config,
  opts: { installSignals?: boolean; runtime?: Runtime } = {},
): Promise<{ close: () => Promise<void> }> {
  const rt = opts.runtime ?? createRuntime(config, { name: 'chief-of-staff' });
  // Owning the process: its stdout is a JSON log stream, library console output included.
  if (opts.installSignals !== false) captureConsole(rt.logger);
  const producer = createRedis(redisTargetOf(config), 'worker', rt.logger);
  const connection = createRedis(redisTargetOf(config), 'worker', rt.logger);
  const scheduler = await startChiefScheduler(chiefDeps(rt), {
    producer,
    connection,
    prefix: config.QUEUE_PREFIX,
    intervalMs: config.QC_CHIEF_INTERVAL,
  });
  rt.shutdown
    .add('stop scheduling passes and finish the one in flight', () => scheduler.close())
    .add('close redis', async () => {
      for (const r of [producer, connection]) await r.quit().catch(() => r.disconnect());
    })
    .add('close postgres', () => (opts.runtime ? undefined : rt.pool.end()))
    .add('flush logs', () => new Promise<void>((resolve) => rt.logger.flush(() => resolve())));
  if (opts.installSignals !== false) rt.shutdown.installSignalHandlers();
  rt.logger.info(
    {
      model: config.CHIEF_MODEL,
      threshold: config.QC_CHIEF_THRESHOLD,
      windowMs: config.QC_CHIEF_WINDOW,
      intervalMs: config.QC_CHIEF_INTERVAL,
    },
    'chief of staff started',
  );
  return { close: () => rt.shutdown.close() };
}

// Run directly (`tsx workers/chief-of-staff.ts`, the compose services): start the process.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runChiefProcess(loadConfigOrExit());
}
