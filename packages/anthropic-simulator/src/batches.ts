import { invalid, SimApiError, toError } from './api-error.js';
import type { SimClock } from './clock.js';
import { complete, type EngineDeps, prepare } from './engine.js';
import { newId } from './ids.js';
import type { BatchErroredType } from './options.js';
import { hashUnit } from './prng.js';
import { isObject, type MessageResponse } from './wire.js';

/**
 * Message Batches on the simulator clock. A batch ends `batch.processingMs`
 * after creation (or when canceled); entry i counts as done at
 * created + processingMs·(i+1)/n, so a cancel keeps what finished before it.
 * Entries are answered when the batch is first read after it ends:
 * expired/errored by rate (fixed per seed, batch and custom_id), otherwise
 * through the same pipeline as /v1/messages with service_tier "batch"
 * (the schemaBreak and noTool fault rates apply there too, also per entry).
 *
 * Wire shapes, from Anthropic's documentation:
 * - an `errored` result carries the API's error envelope (`{type: 'error',
 *   error: {type, message}}`) of the request's failure, e.g. `api_error`,
 *   `overloaded_error` or `invalid_request_error`
 *   (https://platform.claude.com/docs/en/api/messages/batches/results);
 * - a create body over the Batch API's request size limit (256 MB) is refused
 *   with 413 `request_too_large`, "Request exceeds the maximum allowed number
 *   of bytes." (https://docs.claude.com/en/api/errors, Request size limits).
 *   `batch.maxBytes` lowers that limit for tests.
 */

const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX_REQUESTS = 100_000;
const DAY_MS = 86_400_000;
const RETAIN_MS = 29 * DAY_MS;

export type BatchResult =
  | { type: 'succeeded'; message: MessageResponse }
  | { type: 'errored'; error: ReturnType<SimApiError['envelope']> }
  | { type: 'expired' }
  | { type: 'canceled' };

interface BatchRecord {
  id: string;
  createdAt: number;
  processingMs: number;
  requests: Array<{ custom_id: string; params: unknown }>;
  cancelAt?: number;
  endedAt?: number;
  results?: Array<{ custom_id: string; result: BatchResult }>;
}

/** The message of an entry `errored` by rate, per `batch.erroredType`. */
const ERRORED_MESSAGE: Record<BatchErroredType, string> = {
  api_error: 'Internal server error',
  overloaded_error: 'Overloaded',
  invalid_request_error: 'Injected invalid request',
};

const iso = (ms: number) => new Date(ms).toISOString();

export class BatchStore {
  readonly #batches = new Map<string, BatchRecord>();

  constructor(
    private readonly clock: SimClock,
    private readonly engine: EngineDeps,
  ) {}

  create(raw: unknown, baseUrl: string) {
    const { maxBytes } = this.engine.options().batch;
    // The body as the SDK sends it (compact JSON): its size is what the API's limit counts.
    if (Buffer.byteLength(JSON.stringify(raw ?? null)) > maxBytes) {
      throw new SimApiError(
        'request_too_large',
        'Request exceeds the maximum allowed number of bytes.',
      );
    }
    if (!isObject(raw) || !Array.isArray(raw.requests)) throw invalid('requests: Field required');
    const requests = raw.requests;
    if (requests.length === 0) throw invalid('requests: List should have at least 1 item');
    if (requests.length > MAX_REQUESTS)
      throw invalid(`requests: List should have at most ${MAX_REQUESTS} items`);
    const seen = new Set<string>();
    requests.forEach((r, i) => {
      if (!isObject(r) || typeof r.custom_id !== 'string' || !CUSTOM_ID.test(r.custom_id)) {
        throw invalid(
          `requests.${i}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`,
        );
      }
      if (seen.has(r.custom_id)) throw invalid(`requests: Duplicate custom_id: ${r.custom_id}`);
      seen.add(r.custom_id);
      if (!isObject(r.params)) throw invalid(`requests.${i}.params: Field required`);
    });
    const record: BatchRecord = {
      id: newId.batch(),
      createdAt: this.clock.now(),
      processingMs: this.engine.options().batch.processingMs,
      requests: requests.map((r) => ({ custom_id: String(r.custom_id), params: r.params })),
    };
    this.#batches.set(record.id, record);
    return this.view(record.id, baseUrl);
  }

  view(id: string, baseUrl: string, canceling = false) {
    const b = this.#get(id);
    this.#finishIfDue(b);
    const ended = b.endedAt !== undefined && !canceling;
    const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    if (ended) for (const r of b.results ?? []) counts[r.result.type]++;
    else counts.processing = b.requests.length;
    return {
      id: b.id,
      type: 'message_batch' as const,
      processing_status: ended ? 'ended' : b.cancelAt !== undefined ? 'canceling' : 'in_progress',
      request_counts: counts,
      ended_at: ended && b.endedAt !== undefined ? iso(b.endedAt) : null,
      created_at: iso(b.createdAt),
      expires_at: iso(b.createdAt + DAY_MS),
      archived_at: null,
      cancel_initiated_at: b.cancelAt !== undefined ? iso(b.cancelAt) : null,
      results_url: ended ? `${baseUrl}/v1/messages/batches/${b.id}/results` : null,
    };
  }

  list(query: URLSearchParams, baseUrl: string) {
    const limit = Number(query.get('limit') ?? 20);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw invalid('limit: Input should be between 1 and 1000');
    const ids = [...this.#batches.keys()].reverse();
    const after = query.get('after_id');
    const before = query.get('before_id');
    let start = 0;
    let end = ids.length;
    if (after) start = this.#indexOf(ids, after) + 1;
    if (before) end = this.#indexOf(ids, before);
    const page = before
      ? ids.slice(Math.max(start, end - limit), end)
      : ids.slice(start, start + limit);
    const hasMore = before ? end - limit > start : start + limit < end;
    return {
      data: page.map((id) => this.view(id, baseUrl)),
      has_more: hasMore,
      first_id: page[0] ?? null,
      last_id: page.at(-1) ?? null,
    };
  }

  cancel(id: string, baseUrl: string) {
    const b = this.#get(id);
    this.#finishIfDue(b);
    if (b.endedAt !== undefined || b.cancelAt !== undefined) return this.view(id, baseUrl);
    b.cancelAt = this.clock.now();
    const view = this.view(id, baseUrl, true);
    return view;
  }

  /** Result lines, or a 400 while the batch is still processing. */
  results(id: string): string[] {
    const b = this.#get(id);
    this.#finishIfDue(b);
    if (!b.results) {
      throw invalid(
        `Batch ${id} is still in progress; results are available once processing_status is "ended".`,
      );
    }
    return b.results.map((r) => JSON.stringify(r));
  }

  delete(id: string) {
    const b = this.#get(id);
    this.#finishIfDue(b);
    if (b.endedAt === undefined)
      throw invalid(`Batch ${id} cannot be deleted while it is in progress; cancel it first.`);
    this.#batches.delete(id);
    return { id, type: 'message_batch_deleted' as const };
  }

  #indexOf(ids: string[], id: string): number {
    const index = ids.indexOf(id);
    if (index < 0) throw invalid(`Unknown batch id in cursor: ${id}`);
    return index;
  }

  #get(id: string): BatchRecord {
    const b = this.#batches.get(id);
    if (!b || (b.endedAt !== undefined && this.clock.now() > b.endedAt + RETAIN_MS)) {
      throw new SimApiError('not_found_error', `message_batch: ${id} not found`);
    }
    return b;
  }

  #finishIfDue(b: BatchRecord): void {
    if (b.endedAt !== undefined) return;
    const due = Math.min(b.createdAt + b.processingMs, b.cancelAt ?? Number.POSITIVE_INFINITY);
    if (this.clock.now() < due) return;
    const n = b.requests.length;
    b.results = b.requests.map((r, i) => {
      const doneAt = b.createdAt + (b.processingMs * (i + 1)) / n;
      if (b.cancelAt !== undefined && doneAt > b.cancelAt)
        return { custom_id: r.custom_id, result: { type: 'canceled' } };
      return { custom_id: r.custom_id, result: this.#answer(b.id, r.custom_id, r.params) };
    });
    b.endedAt = due;
  }

  #answer(batchId: string, customId: string, params: unknown): BatchResult {
    const { batch, faults, seed } = this.engine.options();
    const unit = hashUnit(seed, batchId, customId, 'fate');
    if (unit < batch.expiredRate) return { type: 'expired' };
    if (unit < batch.expiredRate + batch.erroredRate) {
      return {
        type: 'errored',
        error: new SimApiError(batch.erroredType, ERRORED_MESSAGE[batch.erroredType]).envelope(
          null,
        ),
      };
    }
    try {
      if (isObject(params) && params.stream === true)
        throw invalid('stream: batch requests cannot stream');
      const prepared = prepare(this.engine, params);
      const roll = hashUnit(seed, batchId, customId, 'output');
      const outputFault =
        roll < faults.schemaBreak
          ? 'schemaBreak'
          : roll < faults.schemaBreak + faults.noTool
            ? 'noTool'
            : roll < faults.schemaBreak + faults.noTool + faults.allNa
              ? 'allNa'
              : null;
      return {
        type: 'succeeded',
        message: complete(this.engine, prepared, { fault: outputFault, serviceTier: 'batch' }),
      };
    } catch (thrown) {
      const error =
        thrown instanceof SimApiError
          ? thrown
          : new SimApiError('api_error', toError(thrown).message);
      return { type: 'errored', error: error.envelope(null) };
    }
  }
}
