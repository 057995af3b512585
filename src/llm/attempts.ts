import { AsyncLocalStorage } from 'node:async_hooks';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import {
  type AttemptBegin,
  answerAttempt,
  beginAttempt,
  failAttempt,
  type HeldAnswer,
} from '../db/attempts.js';
import type { LlmCall } from '../db/events.js';
import type { Pool } from '../db/pool.js';
import { toError } from '../logger.js';
import type { PriceTable } from './prices.js';

/**
 * Paid calls are never under-reported (issue 10): an `llm_attempts` row is
 * written before each request leaves and completed when it returns (in a QC
 * job, by the job's next statement: see `held`); the
 * llm_call event claims it; the reconciler records any attempt left
 * unclaimed by a process that died (src/db/attempts.ts).
 *
 * What a call is for (ticket, job) is known to the job, not to the call:
 * the processor sets it for everything it awaits with `withAttemptScope`.
 */

export interface AttemptScope {
  agent: string;
  ticketId?: number | undefined;
  jobId?: string | undefined;
  contextVersion?: string | undefined;
  /**
   * An attempt row already written for this scope's first call by another
   * statement (the QC job's prepareGrades, issue 13): the first call with this
   * model, purpose and tier takes it instead of inserting its own. The scope's
   * owner fails it if no call took it.
   */
  reserved?: ReservedAttempt | undefined;
  /**
   * Issue 13: when set, an answer is not written by a statement of its own
   * but held here; the job's next attempt insert completes it in the same
   * statement, and the job's grade statement (or its record of paid calls)
   * claims every row. A process that dies while holding one leaves the row
   * open: the reconciler records it at its estimate, an upper bound.
   */
  held?: HeldAnswer[] | undefined;
  /**
   * Issue 13: how this scope's attempt rows are inserted when not by a
   * statement of their own — a QC job's later calls (tier-up, second opinion,
   * repair) go through its lane (src/qc/statements.ts), grouped with the rows,
   * prepares and grade writes of the jobs running at once. It must resolve
   * only once the row is committed: the call is made after it.
   */
  insert?: ((row: AttemptBegin) => Promise<number>) | undefined;
}

export interface ReservedAttempt {
  id: number;
  model: string;
  purpose: string;
  tier: string;
  used: boolean;
}

const scope = new AsyncLocalStorage<AttemptScope>();

export function withAttemptScope<T>(s: AttemptScope, fn: () => Promise<T>): Promise<T> {
  return scope.run(s, fn);
}

/** What callTool needs to know about the request. */
export interface AttemptRequest {
  model: string;
  purpose: string;
  tier: string;
  maxTokens: number;
  /** Everything sent as input (system, tools, messages): its size gives the estimate. */
  input: unknown;
}

export interface Attempt {
  id: number;
  /** The answer arrived (the call is paid): its measured usage replaces the estimate. */
  answered(call: LlmCall): Promise<void>;
  /** The API answered with an error status: nothing billed. */
  failed(): Promise<void>;
}

export interface AttemptLog {
  begin(req: AttemptRequest): Promise<Attempt>;
  /** host:pid, written on each row: the reconciler names it for an orphan. */
  readonly owner: string;
  readonly prices: PriceTable;
}

/**
 * An upper bound for a call whose answer never arrives: input tokens from the
 * request's size at ~3 characters a token (real text runs nearer 4), priced at
 * the dearest input rate (a cache write), and the whole max_tokens of output.
 */
export function estimateCall(
  prices: PriceTable,
  req: AttemptRequest,
): { inputTokens: number; costUsd: number } {
  const inputTokens = Math.ceil(jsonLength(req.input) / 3);
  const p = prices.get(req.model);
  const inRate = Math.max(p.input, p.cacheWrite5m, p.cacheWrite1h);
  const micro = inputTokens * inRate + req.maxTokens * p.output;
  return { inputTokens, costUsd: Math.ceil((micro / 1e6) * 1e8) / 1e8 };
}

const lengths = new WeakMap<object, number>();

/** JSON.stringify(value).length, remembered for frozen objects (they cannot change). */
function measured(value: unknown): number {
  if (typeof value !== 'object' || value === null) return (JSON.stringify(value) ?? 'null').length;
  let len = lengths.get(value);
  if (len === undefined) {
    len = JSON.stringify(value).length;
    if (Object.isFrozen(value)) lengths.set(value, len);
  }
  return len;
}

/**
 * JSON.stringify(input).length for the [system, tools, messages] of a call,
 * counted element by element so that the frozen system blocks and tool of a
 * context (src/qc/context.ts; tens of kB) are serialised once, not for every
 * call (issue 13). Exactly the same number as serialising the whole input.
 */
export function jsonLength(input: unknown): number {
  if (!Array.isArray(input)) return measured(input);
  let n = 2 + Math.max(0, input.length - 1);
  for (const part of input) {
    if (!Array.isArray(part) || Object.isFrozen(part)) {
      n += measured(part);
      continue;
    }
    n += 2 + Math.max(0, part.length - 1);
    for (const el of part) n += measured(el);
  }
  return n;
}

export function attemptLog(
  pool: Pool,
  prices: PriceTable,
  opts: { logger?: Logger; owner?: string } = {},
): AttemptLog {
  const owner = opts.owner ?? `${hostname()}:${process.pid}`;
  return {
    owner,
    prices,
    async begin(req) {
      const s = scope.getStore();
      const r = s?.reserved;
      const reserved =
        r && !r.used && r.model === req.model && r.purpose === req.purpose && r.tier === req.tier;
      if (reserved) r.used = true;
      // No row, no call: a call that cannot be recorded is not made.
      const id = reserved ? r.id : await insertRow(req, s);
      // After the call, a database error must not lose the answer: the row
      // stays open and is recorded at its estimate if nothing claims it.
      const quietly = (what: string) => (err: unknown) =>
        opts.logger?.warn({ attemptId: id, err: toError(err).message }, what);
      const held = s?.held;
      return {
        id,
        answered: async (call) => {
          if (held) held.push({ id, call });
          else
            await answerAttempt(pool, id, call).catch(
              quietly('could not complete the attempt row'),
            );
        },
        failed: () => failAttempt(pool, id).catch(quietly('could not close the attempt row')),
      };
    },
  };

  async function insertRow(req: AttemptRequest, s: AttemptScope | undefined): Promise<number> {
    const est = estimateCall(prices, req);
    const held = s?.held ?? [];
    const sent = held.length;
    const row: AttemptBegin = {
      start: {
        owner,
        agent: s?.agent ?? (req.purpose === 'chief' ? 'chief-of-staff' : 'qc-worker'),
        model: req.model,
        purpose: req.purpose,
        tier: req.tier,
        ticketId: s?.ticketId,
        jobId: s?.jobId,
        contextVersion: s?.contextVersion,
        estInputTokens: est.inputTokens,
        maxOutputTokens: req.maxTokens,
        estCostUsd: est.costUsd,
      },
      answered: held.slice(0, sent),
    };
    const id = s?.insert ? await s.insert(row) : await beginAttempt(pool, row.start, row.answered);
    // Written with the insert: no longer this process's to hold.
    held.splice(0, sent);
    return id;
  }
}
