import { Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { WRITEBACK_QUEUE } from '../queue/jobs.js';
import type { Runtime } from '../runtime.js';
import type { DeliverDeps } from './deliver.js';
import { httpSender } from './http.js';
import { loadTemplates } from './note.js';
import { type Relay, startOutboxRelay } from './relay.js';
import { type WritebackSettings, writebackSettingsOf } from './settings.js';
import { startWritebackWorker } from './worker.js';

export { type Delivered, dryRun } from './deliver.js';
export { basic } from './http.js';
export { loadTemplates } from './note.js';

export { type WritebackSettings, writebackSettingsOf } from './settings.js';

export interface WritebackLoops {
  settings: WritebackSettings;
  relay: Relay;
  close(): Promise<void>;
}

/**
 * The write-back loops of a worker process: the relay (outbox → queue) and
 * the queue's worker (queue → help desk). Started even with every source off,
 * so the outbox rows of those sources are settled as 'off' and never pile up.
 */
export async function startWriteback(
  rt: Runtime,
  opts: {
    connection: Redis | Cluster;
    producer: Redis | Cluster;
    prefix: string;
    fetch?: typeof fetch;
    concurrency?: number;
    /** Instead of the config's (the demo writes the examples to the fake help desk). */
    settings?: WritebackSettings;
  },
): Promise<WritebackLoops> {
  const settings = opts.settings ?? writebackSettingsOf(rt.config);
  for (const p of settings.problems) rt.logger.error(p);
  for (const w of settings.warnings) rt.logger.warn(w);
  const deps: DeliverDeps = {
    pool: rt.pool,
    settings,
    templates: await loadTemplates(rt.config.QC_CONTEXT_DIR),
    send: httpSender(opts.fetch ?? fetch, settings.timeoutMs),
    logger: rt.logger,
  };
  const queue = new Queue(WRITEBACK_QUEUE, { connection: opts.producer, prefix: opts.prefix });
  queue.on('error', () => undefined);
  const worker = startWritebackWorker(deps, {
    connection: opts.connection,
    prefix: opts.prefix,
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
  });
  const relay = await startOutboxRelay({ pool: rt.pool, queue, settings, logger: rt.logger });
  rt.logger.info(
    { sources: Object.keys(settings.targets), ratePerMinute: settings.ratePerMinute },
    Object.keys(settings.targets).length ? 'write-back on' : 'write-back off for every source',
  );
  return {
    settings,
    relay,
    async close() {
      await relay.stop();
      await worker.close();
      await queue.close();
    },
  };
}
