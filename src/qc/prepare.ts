import { UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import { QC_AGENT } from '../context/files.js';
import type { ContextStore } from '../context/store.js';
import { failAttempt } from '../db/attempts.js';
import type { Pool } from '../db/pool.js';
import { resultIdFor } from '../db/results.js';
import type { StoredTicket } from '../db/tickets.js';
import type { ReservedAttempt } from '../llm/attempts.js';
import type { LlmDeps } from '../llm/call.js';
import { toError } from '../logger.js';
import { Ticket } from '../ticket/schema.js';
import { type QcContext, qcContextOf, systemBlocks } from './context.js';
import type { GradeSettings } from './grade.js';
import { qcStatements } from './statements.js';

/**
 * What a QC job knows before its first model call, from one statement
 * (src/db/grade-write.ts, issue 13) where it used to take five — shared with
 * the jobs that prepare at the same time (src/qc/statements.ts): the ticket
 * version, whether a newer one exists (then marked superseded), the active
 * context, a result already stored, and the attempt row of the first call.
 */
export interface PreparedJob {
  ctx: QcContext;
  /** Parsed on demand: a skipped job never pays for the zod parse. */
  stored: () => StoredTicket;
  newer: boolean;
  existingResultId: number | undefined;
  reserved: ReservedAttempt | undefined;
}

/** The prompt's characters besides the ticket's JSON: the message's fixed text and framing. */
const MESSAGE_FRAME_CHARS = 512;
const fixedChars = new WeakMap<QcContext, Map<string, number>>();

function fixedCharsOf(ctx: QcContext, ttl: '5m' | '1h'): number {
  let m = fixedChars.get(ctx);
  if (!m) {
    m = new Map();
    fixedChars.set(ctx, m);
  }
  let n = m.get(ttl);
  if (n === undefined) {
    n = JSON.stringify([systemBlocks(ctx, ttl), [ctx.tool], []]).length + MESSAGE_FRAME_CHARS;
    m.set(ttl, n);
  }
  return n;
}

export async function prepareJob(
  deps: { pool: Pool; contexts: ContextStore; settings: GradeSettings; llm: LlmDeps },
  ticketId: number,
  jobId: string | undefined,
): Promise<PreparedJob> {
  // The context this process read last; the statement says whether it is still the active one.
  let last = deps.contexts.last();
  if (!last) {
    await deps.contexts.active();
    last = deps.contexts.last();
    if (!last) throw new Error('no active QC context');
  }
  const known = qcContextOf(last.snapshot);
  const s = deps.settings;
  const log = deps.llm.attempts;
  const price = log?.prices.get(s.baseModel);
  const prep = await qcStatements(deps.pool).prepare({
    ticketId,
    contextVersion: known.version,
    contextKey: last.key,
    first:
      log && price
        ? {
            owner: log.owner,
            agent: QC_AGENT,
            model: s.baseModel,
            purpose: 'grade',
            tier: 'base',
            jobId,
            maxOutputTokens: s.maxTokens,
            fixedChars: fixedCharsOf(known, s.cacheTtl ?? '5m'),
            inputRate: Math.max(price.input, price.cacheWrite5m, price.cacheWrite1h),
            outputRate: price.output,
          }
        : undefined,
  });
  if (!prep) throw new UnrecoverableError(`ticket ${ticketId} does not exist`);
  const reserved: ReservedAttempt | undefined =
    prep.attemptId !== undefined
      ? { id: prep.attemptId, model: s.baseModel, purpose: 'grade', tier: 'base', used: false }
      : undefined;
  let ctx = known;
  let existing = prep.existingResultId;
  if (prep.contextKey !== last.key) {
    // An approval changed the context since this process last read it: no row
    // was reserved (the statement checks the key); read the new context and
    // look for a result under its version.
    ctx = qcContextOf(await deps.contexts.forKey(prep.contextKey));
    existing = prep.newer ? undefined : await resultIdFor(deps.pool, ticketId, ctx.version);
  }
  let parsed: StoredTicket | undefined;
  return {
    ctx,
    newer: prep.newer,
    existingResultId: existing,
    reserved,
    stored: () => {
      parsed ??= {
        id: prep.id,
        source: prep.source,
        externalId: prep.externalId,
        contentHash: prep.contentHash,
        qcStatus: prep.qcStatus,
        ticket: Ticket.parse(prep.ticket),
      };
      return parsed;
    },
  };
}

/** Closes a reserved attempt row that no call took: nothing was sent, nothing billed. */
export async function releaseReserved(
  pool: Pool,
  reserved: ReservedAttempt,
  logger: Logger,
): Promise<void> {
  await failAttempt(pool, reserved.id).catch((err: unknown) =>
    // Left open, the reconciler would record it at its estimate: an over-report, never a loss.
    logger.warn(
      { attemptId: reserved.id, err: toError(err).message },
      'could not close a reserved attempt row',
    ),
  );
}
