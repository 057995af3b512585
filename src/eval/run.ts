import type { Logger } from 'pino';
import { QC_AGENT } from '../context/files.js';
import type { ContextStore } from '../context/store.js';
import { saveRun } from '../db/eval-runs.js';
import { insertEvents, llmCallEvent } from '../db/events.js';
import type { Pool } from '../db/pool.js';
import type { LlmCall, LlmDeps } from '../llm/call.js';
import { toError } from '../logger.js';
import { type GradeOutcome, type GradeSettings, gradeTicket } from '../qc/grade.js';
import { resolveContext } from './context-at.js';
import { isDbDataset, type LabeledItem, loadDataset, loadDbDataset } from './dataset.js';
import { type EvalItem, type EvalSummary, summarize } from './metrics.js';

/**
 * `ticket-qc eval`: grade a labeled set with a chosen model and QC context
 * and measure agreement with the gold labels, so "is the cheap model good
 * enough for this job" is a number per model and context version. Grades
 * with purpose 'eval': no results, no failure events; the model calls are
 * recorded (they cost money) with the run id.
 */

export interface EvalDeps {
  pool: Pool;
  llm: LlmDeps;
  contexts: ContextStore;
  settings: GradeSettings;
  logger: Logger;
}

export interface EvalOptions {
  dataset: string;
  model?: string | undefined;
  contextVersion?: string | undefined;
  limit?: number | undefined;
  concurrency?: number;
}

export interface EvalReport extends EvalSummary {
  runId: number;
  dataset: string;
  datasetSha256: string;
  model: string;
  strongModel: string;
  contextVersion: string;
  fileVersions: Record<string, number>;
  unlabeled: number;
  invalid: number;
}

export class EvalFailedError extends Error {
  override name = 'EvalFailedError';
}

/** One graded item as the eval scores it (the cost bench scores its paths the same way). */
export function evalItemOf(item: LabeledItem, out: GradeOutcome, latencyMs: number): EvalItem {
  return {
    line: item.line,
    externalId: item.ticket.externalId,
    gold: item.gold,
    outcome: out.verdict.outcome,
    score: out.verdict.score,
    model: out.model,
    criteria: Object.fromEntries(out.verdict.criteria.map((c) => [c.criterion, c.result])),
    escalations: [...new Set(out.verdict.escalations.map((e) => e.rule))],
    costUsd: out.calls.reduce((s, c) => s + c.costUsd, 0),
    latencyMs,
    tierUp: out.tier === 'strong',
  };
}

export async function runEval(deps: EvalDeps, opts: EvalOptions): Promise<EvalReport> {
  // Fail before any call: an unpriced model's calls would succeed and then not be costable.
  if (opts.model) deps.llm.prices.get(opts.model);
  const data = isDbDataset(opts.dataset)
    ? await loadDbDataset(deps.pool, opts.dataset, opts.limit)
    : await loadDataset(opts.dataset, opts.limit);
  if (data.items.length === 0) throw new Error(`${opts.dataset} has no labeled rows`);
  const ctx = await resolveContext(deps.pool, opts.contextVersion, await deps.contexts.active());
  const settings: GradeSettings = {
    ...deps.settings,
    baseModel: opts.model ?? deps.settings.baseModel,
    shadowRate: 0,
  };
  const started = new Date();
  const items: EvalItem[] = new Array(data.items.length);
  const calls: LlmCall[] = [];
  let next = 0;
  const gradeOne = async (item: LabeledItem): Promise<EvalItem> => {
    const t0 = performance.now();
    try {
      const out = await gradeTicket(
        { llm: deps.llm, settings, logger: deps.logger },
        ctx,
        item.ticket,
        {
          purpose: 'eval',
          shadow: false,
        },
      );
      calls.push(...out.calls);
      return evalItemOf(item, out, Math.round(performance.now() - t0));
    } catch (err) {
      const e = toError(err) as Error & { calls?: LlmCall[] };
      if (e.calls) calls.push(...e.calls);
      return {
        line: item.line,
        externalId: item.ticket.externalId,
        gold: item.gold,
        criteria: {},
        costUsd: (e.calls ?? []).reduce((s, c) => s + c.costUsd, 0),
        latencyMs: Math.round(performance.now() - t0),
        tierUp: false,
        error: e.message,
      };
    }
  };
  const worker = async () => {
    for (;;) {
      const i = next++;
      const item = data.items[i];
      if (!item) return;
      items[i] = await gradeOne(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, worker));

  if (items.every((i) => i.error !== undefined)) {
    // Nothing was graded: a run with accuracy 0.000 would look like a result.
    // What was paid for is still recorded; the run is not.
    if (calls.length > 0)
      await insertEvents(
        deps.pool,
        calls.map((c) => llmCallEvent(QC_AGENT, c, { contextVersion: ctx.version })),
      );
    throw new EvalFailedError(
      `every one of the ${items.length} tickets failed to grade, so no run was stored; the first error: ${items[0]?.error ?? 'unknown'}`,
    );
  }
  const summary = summarize(
    items,
    ctx.vocab.criteria.map((c) => c.id),
    ctx.vocab.criteria.filter((c) => c.autoFail).map((c) => c.id),
    ctx.vocab.rules.map((r) => r.id),
  );
  const meta = {
    dataset: opts.dataset,
    datasetSha256: data.sha256,
    model: settings.baseModel,
    strongModel: settings.strongModel,
    contextVersion: ctx.version,
    fileVersions: ctx.fileVersions,
  };
  // The run and the calls it paid for are stored together: a crash cannot
  // leave a run whose spend is missing from agent_events.
  const runId = await saveRun(deps.pool, { ...meta, startedAt: started, summary, items }, (id) =>
    calls.map((c) =>
      llmCallEvent(QC_AGENT, c, { contextVersion: ctx.version, details: { evalRunId: id } }),
    ),
  );
  return {
    runId,
    ...meta,
    ...summary,
    unlabeled: data.unlabeled,
    invalid: data.invalid.length,
  };
}
