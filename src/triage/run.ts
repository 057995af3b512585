import type { Logger } from 'pino';
import type { ContextStore } from '../context/store.js';
import { insertEvents, llmCallEvent } from '../db/events.js';
import type { Pool } from '../db/pool.js';
import { firstVersionOf, saveTriage } from '../db/triage.js';
import { toError } from '../logger.js';
import { InvalidTriageError, runTriageCheck, type TriageDeps } from './check.js';
import { type TriageContext, triageContextOf } from './context.js';
import { creationState } from './creation.js';

export interface TriageRunDeps extends TriageDeps {
  pool: Pool;
  contexts: ContextStore;
  logger: Logger;
}

export type TriageRun =
  | {
      status: 'saved' | 'duplicate';
      triageId?: number;
      missing: string[];
      question: string;
      ctx: TriageContext;
    }
  | { status: 'gone' };

/**
 * Triage one help desk ticket: its first stored version, reduced to its
 * creation state, checked against the active triage context, stored once
 * with its cost (and the note's outbox row when intake is incomplete).
 */
export async function triageTicket(
  deps: TriageRunDeps,
  key: { source: string; externalId: string },
  opts: { jobId?: string; signal?: AbortSignal } = {},
): Promise<TriageRun> {
  const first = await firstVersionOf(deps.pool, key.source, key.externalId);
  if (!first) return { status: 'gone' };
  const ctx = triageContextOf(await deps.contexts.active());
  const started = performance.now();
  let out: Awaited<ReturnType<typeof runTriageCheck>>;
  try {
    out = await runTriageCheck(deps, ctx, creationState(first.ticket), {
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (err) {
    if (err instanceof InvalidTriageError)
      await insertEvents(
        deps.pool,
        err.calls.map((c) =>
          llmCallEvent('triage', c, {
            ticketId: first.id,
            contextVersion: ctx.version,
            jobId: opts.jobId ?? null,
          }),
        ),
      ).catch((e: unknown) =>
        deps.logger.error({ err: toError(e).message }, 'could not record a triage call'),
      );
    throw err;
  }
  const saved = await saveTriage(deps.pool, {
    ticketId: first.id,
    source: key.source,
    externalId: key.externalId,
    contextVersion: ctx.version,
    missing: out.check.missing,
    question: out.check.question,
    model: deps.model,
    calls: out.calls,
    latencyMs: Math.round(performance.now() - started),
    jobId: opts.jobId,
    writeback: true,
  });
  return {
    status: saved.duplicate ? 'duplicate' : 'saved',
    ...(saved.id !== undefined ? { triageId: saved.id } : {}),
    missing: out.check.missing,
    question: out.check.question,
    ctx,
  };
}
