import type Anthropic from '@anthropic-ai/sdk';
import type { Logger } from 'pino';
import type { Config, GradeSettings } from './config.js';
import { ContextStore } from './context/store.js';
import { createPool, type Pool } from './db/pool.js';
import { attemptLog } from './llm/attempts.js';
import type { LlmDeps } from './llm/call.js';
import { createAnthropic } from './llm/client.js';
import { httpFetch } from './llm/http-fetch.js';
import { PriceTable } from './llm/prices.js';
import { redactingFetch } from './llm/redact-fetch.js';
import { createLogger } from './logger.js';
import { createNotifier, type Notifier } from './notify/index.js';
import { Shutdown } from './shutdown.js';
import { Redactor } from './ticket/redact.js';

/** The clients a process needs, created once by its entry point and passed in. */
export interface Runtime {
  config: Config;
  logger: Logger;
  pool: Pool;
  anthropic: Anthropic;
  prices: PriceTable;
  llm: LlmDeps;
  contexts: ContextStore;
  settings: GradeSettings;
  shutdown: Shutdown;
  /** Team-lead notifications (NOTIFY_WEBHOOK_URL); a no-op without a URL. */
  notifier: Notifier;
}

export function gradeSettings(config: Config): GradeSettings {
  return {
    baseModel: config.QC_MODEL,
    strongModel: config.QC_STRONG_MODEL,
    minConfidence: config.QC_MIN_CONFIDENCE,
    shadowRate: config.QC_SHADOW_RATE,
    maxTokens: config.QC_MAX_OUTPUT_TOKENS,
    secondOpinion: {
      threshold: config.QC_SECOND_OPINION_THRESHOLD,
      minSamples: config.QC_SECOND_OPINION_MIN,
      window: config.QC_SECOND_OPINION_WINDOW,
      sampleRate: config.QC_SECOND_OPINION_SAMPLE_RATE,
      alwaysOn: config.QC_SECOND_OPINION_ALWAYS,
      z: 1.645,
    },
  };
}

export function createRuntime(
  config: Config,
  opts: {
    logger?: Logger;
    name?: string;
    pool?: Pool;
    /** How long shutdown may take before the process exits anyway (Shutdown's default: 30 s). */
    shutdownDeadlineMs?: number;
    /** Connections in the pool (default 10; the QC worker derives it from its concurrency). */
    poolMax?: number;
    /** How long a query may wait for a free connection (default 5 s; the API waits 60 s). */
    poolQueueTimeoutMs?: number;
    /** Asynchronous log writes (src/logger.ts): long-running processes that flush on shutdown. */
    asyncLogs?: boolean;
  } = {},
): Runtime {
  const logger =
    opts.logger ??
    createLogger({
      level: config.LOG_LEVEL,
      ...(opts.name ? { name: opts.name } : {}),
      ...(opts.asyncLogs ? { async: true } : {}),
    });
  const pool =
    opts.pool ??
    createPool(config.DATABASE_URL, {
      logger,
      applicationName: opts.name ?? 'ticket-qc',
      ...(opts.poolMax ? { max: opts.poolMax } : {}),
      ...(opts.poolQueueTimeoutMs ? { queueTimeoutMs: opts.poolQueueTimeoutMs } : {}),
    });
  const anthropic = createAnthropic({
    apiKey: config.ANTHROPIC_API_KEY,
    baseURL: config.ANTHROPIC_BASE_URL,
    timeoutMs: config.ANTHROPIC_TIMEOUT,
    retry: { maxRetries: config.ANTHROPIC_MAX_RETRIES, maxWaitMs: config.ANTHROPIC_MAX_RETRY_WAIT },
    logger,
    // Issue 13: node:http keep-alive, answers buffered (src/llm/http-fetch.ts); redaction wraps it.
    fetch:
      config.QC_REDACT.length > 0
        ? redactingFetch(new Redactor(config.QC_REDACT), httpFetch())
        : httpFetch(),
    openTelemetry: config.ANTHROPIC_OPEN_TELEMETRY,
  });
  const prices = new PriceTable(config.QC_PRICES);
  for (const model of [config.QC_MODEL, config.QC_STRONG_MODEL, config.CHIEF_MODEL])
    prices.get(model);
  const llm: LlmDeps = {
    client: anthropic,
    prices,
    logger,
    // Issue 10: every paid call is recorded, even when this process dies mid-call.
    attempts: attemptLog(pool, prices, { logger }),
  };
  const shutdown = new Shutdown(logger, opts.shutdownDeadlineMs);
  return {
    config,
    logger,
    pool,
    anthropic,
    prices,
    llm,
    contexts: new ContextStore(pool),
    settings: gradeSettings(config),
    shutdown,
    notifier: createNotifier({ url: config.NOTIFY_WEBHOOK_URL, logger }),
  };
}
