import { z } from 'zod';

/**
 * Everything a simulator can be told. `startSimulator` and `POST /_sim/options`
 * take a deep-partial patch; `mergeOptions` applies it over the current value.
 */

export const FAULT_KINDS = [
  'overloaded',
  'serverError',
  'hang',
  'schemaBreak',
  'noTool',
  'allNa',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultOptions {
  /** Share (0..1) of /v1/messages requests answered 529 overloaded_error. */
  overloaded: number;
  /** Share answered 500 api_error. */
  serverError: number;
  /** Share held for `hangMs` before they are answered (released on close). */
  hang: number;
  /** Share whose tool input violates the tool's input_schema. */
  schemaBreak: number;
  /** Share answered with a text block only (stop_reason end_turn). */
  noTool: number;
  /** Share whose `record_verdict` input marks every criterion `n/a` and claims pass, 100, high confidence. */
  allNa: number;
  hangMs: number;
}

export interface RateLimitOptions {
  /** 0 = unlimited. */
  requestsPerMinute: number;
  /** Uncached input + cache writes, as the API counts them. 0 = unlimited. */
  inputTokensPerMinute: number;
  /** 0 = unlimited. */
  outputTokensPerMinute: number;
}

export interface BatchOptions {
  /** Time from creation until the batch ends, on the simulator clock. */
  processingMs: number;
  erroredRate: number;
  expiredRate: number;
  /**
   * The error an `errored` entry (by `erroredRate`) carries: `api_error` (500,
   * the default), `overloaded_error` (529) or `invalid_request_error` (400).
   */
  erroredType: BatchErroredType;
  /**
   * Create bodies (their JSON, in bytes) above this are refused with 413
   * `request_too_large`, as the API refuses a body over 256 MB (the default).
   * Set lower to make a test's chunk too large.
   */
  maxBytes: number;
}

export const BATCH_ERRORED_TYPES = [
  'api_error',
  'overloaded_error',
  'invalid_request_error',
] as const;
export type BatchErroredType = (typeof BATCH_ERRORED_TYPES)[number];

export interface SimulatorOptions {
  port: number;
  host: string;
  /** When set, /v1 requests must present it as x-api-key or Authorization: Bearer. */
  apiKey?: string | undefined;
  latencyMs: number;
  latencyJitterMs: number;
  seed: number;
  /** Share (0..1) of per-criterion judgments flipped. */
  noise: number;
  /** Per-model override of `noise` (model id or alias). */
  modelNoise: Record<string, number>;
  faults: FaultOptions;
  rateLimits: RateLimitOptions;
  cacheTtlMs: number;
  cacheTtl1hMs: number;
  batch: BatchOptions;
  /** Request-log entries kept (oldest dropped first). */
  requestLogLimit: number;
}

export type SimulatorOptionsPatch = Partial<
  Omit<SimulatorOptions, 'faults' | 'rateLimits' | 'batch'>
> & {
  faults?: Partial<FaultOptions>;
  rateLimits?: Partial<RateLimitOptions>;
  batch?: Partial<BatchOptions>;
};

export const DEFAULT_OPTIONS: SimulatorOptions = {
  port: 0,
  host: '127.0.0.1',
  apiKey: undefined,
  latencyMs: 0,
  latencyJitterMs: 0,
  seed: 1,
  noise: 0.05,
  modelNoise: {},
  faults: {
    overloaded: 0,
    serverError: 0,
    hang: 0,
    schemaBreak: 0,
    noTool: 0,
    allNa: 0,
    hangMs: 600_000,
  },
  rateLimits: { requestsPerMinute: 0, inputTokensPerMinute: 0, outputTokensPerMinute: 0 },
  cacheTtlMs: 300_000,
  cacheTtl1hMs: 3_600_000,
  batch: {
    processingMs: 2_000,
    erroredRate: 0,
    expiredRate: 0,
    erroredType: 'api_error',
    maxBytes: 256 * 1024 * 1024,
  },
  requestLogLimit: 1_000,
};

const share = z.number().min(0).max(1);
const nonNegative = z.number().min(0);

/** Validates untrusted patches (the admin endpoint); unknown keys are refused. */
const OptionsPatchSchema = z
  .object({
    port: z.number().int().min(0).max(65_535),
    host: z.string().min(1),
    apiKey: z.string().min(1).nullable(),
    latencyMs: nonNegative,
    latencyJitterMs: nonNegative,
    seed: z.number().int(),
    noise: share,
    modelNoise: z.record(z.string(), share),
    faults: z
      .object({
        overloaded: share,
        serverError: share,
        hang: share,
        schemaBreak: share,
        noTool: share,
        allNa: share,
        hangMs: nonNegative,
      })
      .partial()
      .strict(),
    rateLimits: z
      .object({
        requestsPerMinute: nonNegative,
        inputTokensPerMinute: nonNegative,
        outputTokensPerMinute: nonNegative,
      })
      .partial()
      .strict(),
    cacheTtlMs: nonNegative,
    cacheTtl1hMs: nonNegative,
    batch: z
      .object({
        processingMs: nonNegative,
        erroredRate: share,
        expiredRate: share,
        erroredType: z.enum(BATCH_ERRORED_TYPES),
        maxBytes: z.number().int().min(1),
      })
      .partial()
      .strict(),
    requestLogLimit: z.number().int().min(1),
  })
  .partial()
  .strict();

/** Parses an untrusted patch; throws an Error whose message lists every problem. */
export function parseOptionsPatch(input: unknown): SimulatorOptionsPatch {
  const parsed = OptionsPatchSchema.safeParse(input);
  if (!parsed.success) throw new Error(z.prettifyError(parsed.error));
  const { apiKey, ...rest } = parsed.data;
  return apiKey === undefined ? rest : { ...rest, apiKey: apiKey ?? undefined };
}

export function mergeOptions(
  base: SimulatorOptions,
  patch: SimulatorOptionsPatch = {},
): SimulatorOptions {
  const merged: SimulatorOptions = {
    ...base,
    ...patch,
    modelNoise: { ...base.modelNoise, ...patch.modelNoise },
    faults: { ...base.faults, ...patch.faults },
    rateLimits: { ...base.rateLimits, ...patch.rateLimits },
    batch: { ...base.batch, ...patch.batch },
  };
  if ('apiKey' in patch) merged.apiKey = patch.apiKey || undefined;
  return merged;
}
