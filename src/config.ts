import { z } from 'zod';
import { parseRedactKinds } from './ticket/redact.js';

/**
 * Every environment variable the product reads, in one schema. Parsed once, at
 * start, by the entry point (never at import), so tests hand in their own env.
 */

const duration = z
  .string()
  .trim()
  .regex(/^\d+(ms|s|m|h|d)?$/, 'a duration such as 500ms, 90s, 2m, 6h or 7d')
  .transform(parseDurationMs);

export function parseDurationMs(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new Error(`not a duration: ${text}`);
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  const factor = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit] ?? 1;
  return n * factor;
}

const rate = z.coerce.number().min(0).max(1);
const usd = z.coerce.number().nonnegative();
/** A duration that may be left unset; an empty value (`KEY=` in a .env file) counts as unset. */
const optionalDuration = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
  duration.optional(),
);

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

/** `note,tags` → ['note', 'tags']; empty → [] (off). */
const writebackParts = z
  .string()
  .default('')
  .transform((s, ctx) => {
    const parts = s
      .split(',')
      .map((x) => x.trim().toLowerCase())
      .filter(Boolean);
    const bad = parts.filter((p) => !['note', 'tags', 'post'].includes(p));
    if (bad.length) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown part(s) ${bad.join(', ')}: note, tags, post`,
      });
      return z.NEVER;
    }
    return [...new Set(parts)] as ('note' | 'tags' | 'post')[];
  });

const ReviewUser = z.object({
  name: z.string().min(1),
  role: z.enum(['reviewer', 'admin']),
  passwordHash: z.string().min(1),
});
export type ReviewUser = z.infer<typeof ReviewUser>;

/** `name:role:hash,name:role:hash` — the hash may itself contain ':' (scrypt$…). */
const reviewUsers = z
  .string()
  .default('')
  .transform((text, ctx) => {
    const users: ReviewUser[] = [];
    for (const entry of text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const [name, role, ...rest] = entry.split(':');
      const parsed = ReviewUser.safeParse({ name, role, passwordHash: rest.join(':') });
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', message: `entry "${name ?? ''}" is not name:role:hash` });
        return z.NEVER;
      }
      users.push(parsed.data);
    }
    return users;
  });

export const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .default('postgres://127.0.0.1:5432/ticket_qc'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z.string().min(1).default('ticket-qc'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Behind a TLS-terminating proxy: trust X-Forwarded-* (Secure cookies, client IPs for the login lockout). */
  TRUST_PROXY: z.stringbool().default(false),
  BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(1_048_576),

  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: optionalString.pipe(z.url().optional()),
  ANTHROPIC_TIMEOUT: duration.default(60_000),
  ANTHROPIC_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(4),
  ANTHROPIC_MAX_RETRY_WAIT: duration.default(60_000),
  /** The SDK's OpenTelemetry spans and trace headers (off: with no tracer they only cost CPU). */
  ANTHROPIC_OPEN_TELEMETRY: z.stringbool().default(false),
  QC_MODEL: z.string().min(1).default('claude-haiku-4-5-20251001'),
  QC_STRONG_MODEL: z.string().min(1).default('claude-sonnet-4-6'),
  CHIEF_MODEL: z.string().min(1).default('claude-sonnet-4-6'),
  /** JSON object: model id → partial price row (USD per million tokens). */
  QC_PRICES: optionalString,
  QC_MAX_OUTPUT_TOKENS: z.coerce.number().int().positive().default(4096),

  QC_CONTEXT_DIR: z.string().default('context'),
  QC_MIN_CONFIDENCE: rate.default(0.6),
  QC_SHADOW_RATE: rate.default(0.02),
  /**
   * Jobs in flight per worker process: a ceiling, sized for I/O-bound work (see README,
   * "Sizing"): the rate limiter decides how many calls actually go out.
   */
  QC_CONCURRENCY: z.coerce.number().int().positive().default(200),
  /**
   * PostgreSQL connections of a worker process; 0 = derived from QC_CONCURRENCY
   * (workerPoolSize in workers/qc-worker.ts). Each process holds up to this many.
   */
  QC_PG_POOL_MAX: z.coerce.number().int().nonnegative().default(0),
  /** Model requests (not jobs) per minute per model, across all workers; 0 = the API's limit. */
  QC_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().nonnegative().default(0),
  QC_JOB_ATTEMPTS: z.coerce.number().int().positive().default(5),
  QC_FAILED_RETENTION: duration.default(7 * 86_400_000),
  QC_CHIEF_THRESHOLD: z.coerce.number().int().positive().default(3),
  QC_CHIEF_WINDOW: duration.default(7 * 86_400_000),
  QC_CHIEF_INTERVAL: duration.default(15 * 60_000),
  QC_GRADE_ON_STATUS: z
    .string()
    .default('solved,closed')
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim().toLowerCase())
        .filter(Boolean),
    ),
  QC_DEBOUNCE: duration.default(120_000),
  QC_RECONCILE_INTERVAL: duration.default(60_000),
  QC_NIGHTLY_CRON: z.string().default('0 2 * * *'),
  QC_TZ: z.string().default('UTC'),
  /** Requests per Message Batch (the API allows 100,000). */
  QC_BATCH_MAX_REQUESTS: z.coerce.number().int().min(1).max(100_000).default(100_000),
  /** Bytes per Message Batch create body (the API allows 256 MB). */
  QC_BATCH_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(65_536)
    .max(256 * 1024 * 1024)
    .default(256_000_000),
  /** How often the worker's batch poller checks submitted batches. */
  QC_BATCH_POLL_INTERVAL: duration.default(60_000),
  /**
   * Where repairs, tier-ups and shadows of batch-lane tickets go: further
   * Message Batches rounds (half price) or realtime calls (src/batches/followup.ts).
   */
  QC_BATCH_FOLLOWUPS: z.enum(['batches', 'realtime']).default('batches'),
  /** Follow-up batch rounds after the first; what still needs a call after them goes realtime. */
  QC_BATCH_FOLLOWUP_ROUNDS: z.coerce.number().int().min(0).max(10).default(3),
  QC_BUDGET_DAILY_USD: usd.optional(),
  QC_BUDGET_MONTHLY_USD: usd.optional(),

  NOTIFY_WEBHOOK_URL: optionalString.pipe(z.url().optional()),
  REVIEW_USERS: reviewUsers,
  SESSION_SECRET: optionalString,
  EVENTS_TOKEN: optionalString,
  ZENDESK_SUBDOMAIN: optionalString,
  ZENDESK_API_TOKEN: optionalString,
  ZENDESK_EMAIL: optionalString,
  ZENDESK_API_BASE_URL: optionalString.pipe(z.url().optional()),
  /** How long a webhook may spend reading a Zendesk thread: inside Zendesk's ~10 s webhook timeout. */
  ZENDESK_THREAD_DEADLINE: duration
    .default(7_000)
    .refine((ms) => ms >= 500 && ms <= 9_000, 'between 500ms and 9s (Zendesk gives up at ~10 s)'),

  // Issue 10: privacy and login
  /** Personal data replaced by placeholders before any model call: email,phone,card,iban,ip,secret or all. */
  QC_REDACT: z
    .string()
    .default('')
    .transform((text, ctx) => {
      const kinds = parseRedactKinds(text);
      if (typeof kinds === 'string') {
        ctx.addIssue({ code: 'custom', message: kinds });
        return z.NEVER;
      }
      return kinds;
    }),
  /** Tickets (with results, escalations, overrides, events) older than this are erased daily; unset = kept. */
  QC_RETENTION_TICKETS: optionalDuration,
  /** agent_events older than this are deleted daily; unset = kept. */
  QC_RETENTION_EVENTS: optionalDuration,
  /** When the daily retention job runs (cron, in QC_TZ). */
  QC_RETENTION_CRON: z.string().default('30 3 * * *'),
  /** Failed logins per name before the backoff starts doubling (1 s, 2 s, 4 s … capped). */
  LOGIN_FREE_FAILURES: z.coerce.number().int().min(0).default(3),
  LOGIN_MAX_BACKOFF: duration.default(15 * 60_000),
  /** Failed logins per client IP, across every name, per LOGIN_IP_WINDOW. */
  LOGIN_IP_LIMIT: z.coerce.number().int().min(1).default(30),
  LOGIN_IP_WINDOW: duration.default(15 * 60_000),
  // Issue 14: vendor adapters
  /** How long a ticket whose thread is missing waits for it before it is graded as it is. */
  QC_NEEDS_THREAD_TIMEOUT: duration.default(6 * 3_600_000),
  /** How often the API process re-fetches missing threads and releases expired waits. */
  QC_THREAD_SWEEP_INTERVAL: duration.default(5 * 60_000),
  /** Vendor custom fields the grader sees, per source: `jira=customfield_10010,customfield_10020;freshdesk=cf_site`. */
  SOURCE_CUSTOM_FIELDS: z
    .string()
    .default('')
    .transform((text, ctx) => {
      const out: Record<string, string[]> = {};
      for (const part of text
        .split(';')
        .map((x) => x.trim())
        .filter(Boolean)) {
        const m = /^([a-z0-9_-]+)\s*=\s*(.*)$/.exec(part);
        if (!m?.[1]) {
          ctx.addIssue({ code: 'custom', message: `"${part}" is not source=field,field` });
          return z.NEVER;
        }
        out[m[1]] = (m[2] ?? '')
          .split(',')
          .map((f) => f.trim())
          .filter(Boolean);
      }
      return out;
    }),
  /** How long a looked-up name (user, organisation, group) is reused. */
  VENDOR_LOOKUP_TTL: duration.default(3_600_000),
  FRESHDESK_DOMAIN: optionalString,
  FRESHDESK_API_KEY: optionalString,
  FRESHDESK_API_BASE_URL: optionalString.pipe(z.url().optional()),
  /** https://<instance>.service-now.com: reference sys_ids are looked up there. */
  SERVICENOW_INSTANCE_URL: optionalString.pipe(z.url().optional()),
  SERVICENOW_USER: optionalString,
  SERVICENOW_PASSWORD: optionalString,
  // Issue 13: speed
  /**
   * Pace model requests by the API's anthropic-ratelimit-* headers and retry-after, in buckets
   * shared by every worker process through Redis (src/llm/rate-limiter.ts).
   */
  QC_RATE_PACING: z.stringbool().default(true),
  /** Refill time the shared buckets hold: the largest burst after an idle spell. */
  QC_RATE_LIMIT_BURST: duration.default(6_000),
  // Issue 15: write-back and triage
  /** Per source, what is written back: empty = off (the default); `note`, `tags`, or `note,tags`. */
  WRITEBACK_ZENDESK: writebackParts,
  WRITEBACK_JIRA: writebackParts,
  WRITEBACK_FRESHDESK: writebackParts,
  WRITEBACK_SERVICENOW: writebackParts,
  /** The generic source: `post` (a signed POST of the verdict JSON to WRITEBACK_GENERIC_URL). */
  WRITEBACK_GENERIC: writebackParts,
  WRITEBACK_GENERIC_URL: optionalString.pipe(z.url().optional()),
  WRITEBACK_GENERIC_SECRET: optionalString,
  /** The three outcome tags/labels, in the order pass,fail,escalate. */
  WRITEBACK_TAGS: z
    .string()
    .default('qc_pass,qc_fail,qc_escalated')
    .transform((s, ctx) => {
      const t = s.split(',').map((x) => x.trim());
      if (t.length !== 3 || t.some((x) => !/^[a-z0-9_-]{1,64}$/.test(x))) {
        ctx.addIssue({ code: 'custom', message: 'three tags pass,fail,escalate (a-z 0-9 _ -)' });
        return z.NEVER;
      }
      return { pass: t[0] as string, fail: t[1] as string, escalate: t[2] as string };
    }),
  /** Notes (each with its tags) per minute per source, shared by every writeback worker (0 = no limit). */
  WRITEBACK_RATE_PER_MINUTE: z.coerce.number().int().nonnegative().default(60),
  WRITEBACK_ATTEMPTS: z.coerce.number().int().positive().default(8),
  /** First backoff after a 5xx or a network error; doubles per attempt. */
  WRITEBACK_BACKOFF: duration.default(10_000),
  /** A vendor's Retry-After longer than this is capped (and logged). */
  WRITEBACK_MAX_RETRY_AFTER: duration.default(15 * 60_000),
  WRITEBACK_TIMEOUT: duration.default(15_000),
  /** Notes older than this when their turn comes are not sent (write-back turned on late). */
  WRITEBACK_MAX_AGE: duration.default(86_400_000),
  /** Write back grades of history (nightly batch, imports) too: off, so old tickets stay quiet. */
  WRITEBACK_HISTORY: z.stringbool().default(false),
  WRITEBACK_POLL_INTERVAL: duration.default(5_000),
  /** Public URL of the review pages, for the link in the note (no link without it). */
  REVIEW_BASE_URL: optionalString.pipe(z.url().optional()),
  /** Identity of our own integration user per vendor: its webhook echoes are ignored. */
  ZENDESK_BOT_USER_ID: optionalString,
  JIRA_BASE_URL: optionalString.pipe(z.url().optional()),
  JIRA_EMAIL: optionalString,
  JIRA_API_TOKEN: optionalString,
  JIRA_BOT_ACCOUNT_ID: optionalString,
  // Freshdesk and ServiceNow write-back use the same instance settings as the
  // name lookups above (FRESHDESK_DOMAIN / FRESHDESK_API_BASE_URL,
  // FRESHDESK_API_KEY; SERVICENOW_INSTANCE_URL, SERVICENOW_USER, SERVICENOW_PASSWORD).
  FRESHDESK_BOT_EMAIL: optionalString,
  SERVICENOW_TABLE: z
    .string()
    .regex(/^[a-z0-9_]+$/)
    .default('incident'),
  /** The triage agent (on QC_MODEL) on each new ticket's creation state (recent tickets only). */
  TRIAGE_ENABLED: z.stringbool().default(true),
  /** A first version whose ticket was created longer ago than this is history: not triaged. */
  TRIAGE_MAX_AGE: duration.default(86_400_000),
  TRIAGE_POLL_INTERVAL: duration.default(5_000),
  // Issue 10: reliability
  /**
   * Redis must run with `maxmemory-policy noeviction`: an evicted job loses its
   * payload. Set to run anyway on an evicting Redis (a structured warning and
   * the `qc_redis_eviction_allowed` metric instead of a refusal).
   */
  QC_ALLOW_EVICTION: z.stringbool().default(false),
  /**
   * A ticket's `updatedAt` may be this far in the future (the help desk's clock
   * running ahead); further is refused with 400: such a version would supersede
   * every later genuine update.
   */
  QC_MAX_CLOCK_SKEW: duration.default(5 * 60_000),
  /**
   * BullMQ's lock on a job being graded. The worker renews it every half of it
   * while it lives, so a 60 s model call needs no longer lock; a killed
   * worker's job is taken over after about QC_LOCK_DURATION + QC_STALLED_INTERVAL.
   */
  QC_LOCK_DURATION: duration.default(30_000),
  QC_STALLED_INTERVAL: duration.default(15_000),
  /**
   * A model-call attempt not recorded as an llm_call after this long belongs
   * to a process that died: the reconciler records it (its answer's cost, or
   * an estimate marked as such). Longer than one call with all its retries.
   */
  QC_ATTEMPT_ORPHAN_AFTER: duration.default(10 * 60_000),
  // Issue 11: chief of staff
  /** A proposal is offered only when its backtest fixes at least this many cited tickets… */
  QC_CHIEF_MIN_FIXED: z.coerce.number().int().min(0).default(1),
  /** …and regresses at most this many re-graded tickets; otherwise it is recorded as no_improvement. */
  QC_CHIEF_MAX_REGRESSED: z.coerce.number().int().min(0).default(0),
  /** Proposals offered to a lead per chief pass, the largest expected improvement first. */
  QC_CHIEF_MAX_PROPOSALS: z.coerce.number().int().min(1).default(3),
  // Issue 12: cost
  /** Wilson lower bound of Haiku↔Sonnet outcome agreement a rule must reach before its second opinions are sampled. */
  QC_SECOND_OPINION_THRESHOLD: rate.default(0.95),
  /** Second opinions a rule needs (after its latest reset) before sampling may start. */
  QC_SECOND_OPINION_MIN: z.coerce.number().int().min(1).default(30),
  /** The agreement is measured over a rule's last N second opinions. */
  QC_SECOND_OPINION_WINDOW: z.coerce.number().int().min(1).default(200),
  /** Share of firings that still get a second opinion once a rule has earned it. */
  QC_SECOND_OPINION_SAMPLE_RATE: rate.default(0.1),
  /** Rules whose second opinion is always asked, earned or not (comma-separated ids). */
  QC_SECOND_OPINION_ALWAYS: z
    .string()
    .default('security_incident,data_loss')
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    ),
  // Issue 16: review pages
  /** Who acts from this shell when a command is given no --reviewer (recorded as taken from config). */
  QC_REVIEWER: optionalString,
  // Issue 11: patterns
  /** Cron (in QC_TZ) of the scheduled `patterns mine`; empty = off. */
  QC_PATTERNS_CRON: optionalString,
  /** How mining calls CHIEF_MODEL: Message Batches at half price, or realtime. */
  QC_PATTERNS_VIA: z.enum(['batches', 'realtime']).default('batches'),
  /** Tickets read per run, newest first (the seed file was mined from 5,000). */
  QC_PATTERNS_LIMIT: z.coerce.number().int().min(1).default(5000),
  /** The scheduled run reads tickets updated within this window. */
  QC_PATTERNS_WINDOW: duration.default(30 * 86_400_000),
  /** Tickets per model request. */
  QC_PATTERNS_CHUNK: z.coerce.number().int().min(1).max(500).default(50),
  /** A recurring problem becomes a pattern when seen on at least this many tickets. */
  QC_PATTERNS_MIN_TICKETS: z.coerce.number().int().min(2).default(3),
  // Issue 10: cluster
  /**
   * Seed nodes (`host:port,host:port`) of a Redis Cluster. Set, every process
   * connects through an ioredis Cluster (REDIS_URL then only supplies the
   * credentials and, with rediss://, TLS), and QUEUE_PREFIX must carry a hash
   * tag, e.g. `{ticket-qc}`, so that every key of a queue lands in one slot.
   * Empty: one Redis at REDIS_URL.
   */
  REDIS_CLUSTER_NODES: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z.string().regex(/^[^\s:,]+:\d{1,5}$/, 'each REDIS_CLUSTER_NODES entry is host:port'),
      ),
    ),
});

export type Config = z.infer<typeof ConfigSchema> & {
  /** WEBHOOK_SECRET_<SOURCE>, keyed by lower-case source; rotation pairs split. */
  webhookSecrets: Record<string, string[]>;
};

/**
 * Redis Cluster hashes only the part between the first `{` and the first `}`
 * after it, when that part is not empty (the "hash tag").
 */
export function hasHashTag(prefix: string): boolean {
  const open = prefix.indexOf('{');
  if (open < 0) return false;
  const close = prefix.indexOf('}', open + 1);
  return close > open + 1;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(`Invalid configuration:\n${z.prettifyError(parsed.error)}`);
  }
  // Issue 10: cluster. BullMQ's scripts touch several keys of a queue at once;
  // on a Cluster they must share a slot, which only a hash tag guarantees.
  if (parsed.data.REDIS_CLUSTER_NODES.length > 0 && !hasHashTag(parsed.data.QUEUE_PREFIX)) {
    throw new ConfigError(
      `Invalid configuration:\nQUEUE_PREFIX "${parsed.data.QUEUE_PREFIX}" has no hash tag, and REDIS_CLUSTER_NODES says Redis is a Cluster: BullMQ's multi-key scripts would fail with CROSSSLOT. Wrap it in braces, e.g. QUEUE_PREFIX={${parsed.data.QUEUE_PREFIX.replace(/[{}]/g, '')}}.`,
    );
  }
  const webhookSecrets: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(env)) {
    const m = /^WEBHOOK_SECRET_([A-Z0-9_]+)$/.exec(key);
    if (!m?.[1] || !value) continue;
    webhookSecrets[m[1].toLowerCase()] = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  return { ...parsed.data, webhookSecrets };
}

/** For entry points: load or print the error and exit non-zero. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

/** Second opinions earned, not automatic: see src/qc/second-opinion.ts. */
export interface SecondOpinionSettings {
  threshold: number;
  minSamples: number;
  window: number;
  sampleRate: number;
  alwaysOn: readonly string[];
  /** Normal quantile of the one-sided bound: 1.645 = 95 % confidence. */
  z: number;
}

/** What a QC grading call is configured with: derived from the config by `gradeSettings`. */
export interface GradeSettings {
  baseModel: string;
  strongModel: string;
  minConfidence: number;
  shadowRate: number;
  maxTokens: number;
  cacheTtl?: '5m' | '1h';
  /** Issue 12: second opinions sampled once earned; absent = always asked. */
  secondOpinion?: SecondOpinionSettings;
}

/** The Freshdesk site (https://<domain>.freshdesk.com): FRESHDESK_API_BASE_URL, or built from FRESHDESK_DOMAIN. */
export function freshdeskBaseUrl(c: {
  FRESHDESK_DOMAIN?: string | undefined;
  FRESHDESK_API_BASE_URL?: string | undefined;
}): string | undefined {
  const domain = c.FRESHDESK_DOMAIN?.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  const url =
    c.FRESHDESK_API_BASE_URL ??
    (domain ? `https://${domain.includes('.') ? domain : `${domain}.freshdesk.com`}` : undefined);
  return url?.replace(/\/+$/, '');
}
