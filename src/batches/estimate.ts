import type { Queryable } from '../db/pool.js';
import { gradingHistory } from '../db/results.js';
import { type Selection, sampleSelection, selectionStats } from '../db/selection.js';
import { costOf, type PriceRow, type PriceTable } from '../llm/prices.js';
import { estimateTokens } from '../llm/tokens.js';
import type { QcContext } from '../qc/context.js';
import type { GradeSettings } from '../qc/grade.js';
import { ticketMessage } from '../qc/prompt.js';

/** Output tokens per verdict when there is no history to average yet. */
const DEFAULT_OUTPUT_TOKENS = 900;

export interface PathCost {
  base: number;
  strong: number;
  total: number;
}

export interface Estimate {
  tickets: number;
  ticketTokens: number;
  prefixTokens: number;
  outputTokens: number;
  /** Expected share of tickets that also get a Sonnet call (tier-ups from history + shadow rate). */
  strongShare: number;
  batches: PathCost;
  queue: PathCost;
}

/** One call's usage: the context prefix read from cache when it is long enough to be cached. */
function perCall(row: PriceRow, prefix: number, ticket: number, output: number, batch: boolean) {
  const cached = prefix >= row.minCacheTokens;
  return costOf(
    row,
    {
      input_tokens: ticket + (cached ? 0 : prefix),
      output_tokens: output,
      cache_read_input_tokens: cached ? prefix : 0,
    },
    { batch },
  );
}

/** One cache write of the prefix per run: 5-minute TTL on the queue, 1-hour in batches. */
function cacheWrite(row: PriceRow, prefix: number, batch: boolean): number {
  if (prefix < row.minCacheTokens) return 0;
  const ttl = batch ? { ephemeral_1h_input_tokens: prefix } : { ephemeral_5m_input_tokens: prefix };
  return costOf(
    row,
    { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: prefix, cache_creation: ttl },
    { batch },
  );
}

/**
 * What grading the selection would cost on each path, from the price table,
 * the context's prefix size, the selection's size (tokens per character from
 * a sample) and the last 30 days' output tokens and tier-up rate. Sonnet
 * calls (tier-up, shadow) are batch calls on the batch path unless
 * follow-ups are realtime (QC_BATCH_FOLLOWUPS).
 */
export async function estimateCost(
  db: Queryable,
  deps: {
    prices: PriceTable;
    settings: GradeSettings;
    followups?: { via: 'batches' | 'realtime'; rounds: number };
  },
  ctx: QcContext,
  selection: Selection,
  limit: number | undefined,
): Promise<Estimate> {
  const { n, chars } = await selectionStats(db, selection, limit);
  // The offline tokenizer takes ~60 ms a ticket: a small sample sets the tokens-per-character rate.
  const sample = await sampleSelection(db, selection, 20);
  const sampleChars = sample.reduce((s, x) => s + x.chars, 0);
  const sampleTokens = sample.reduce(
    (s, x) => s + estimateTokens(JSON.stringify(ticketMessage(x.ticket).content)),
    0,
  );
  const ticketTokens =
    n && sampleChars ? Math.round((chars / n) * (sampleTokens / sampleChars)) : 0;
  const { baseModel, strongModel, shadowRate } = deps.settings;
  const history = await gradingHistory(db, baseModel);
  const outputTokens = Math.round(history.out ?? DEFAULT_OUTPUT_TOKENS);
  const strongShare = Math.min(1, (history.strong ?? 0) + shadowRate);
  const base = deps.prices.get(baseModel);
  const strong = deps.prices.get(strongModel);
  const prefix = ctx.prefixTokens;

  const path = (batch: boolean): PathCost => {
    const b = n
      ? n * perCall(base, prefix, ticketTokens, outputTokens, batch) +
        cacheWrite(base, prefix, batch)
      : 0;
    const f = deps.followups ?? { via: 'batches', rounds: 1 };
    const followupsBatched = batch && f.via === 'batches' && f.rounds > 0;
    const s =
      n * strongShare * perCall(strong, prefix, ticketTokens, outputTokens, followupsBatched);
    return { base: b, strong: s, total: b + s };
  };
  return {
    tickets: n,
    ticketTokens,
    prefixTokens: prefix,
    outputTokens,
    strongShare,
    batches: path(true),
    queue: path(false),
  };
}

const usd = (x: number) => `$${x.toFixed(x < 10 ? 4 : 2)}`;

export function formatEstimate(e: Estimate, model: string): string {
  const pct = `${(e.strongShare * 100).toFixed(1)}%`;
  return [
    `would grade ${e.tickets} ticket(s) with ${model}`,
    `  per ticket: ~${e.ticketTokens} ticket tokens + ${e.prefixTokens} cached context tokens in, ~${e.outputTokens} out; Sonnet on ~${pct}`,
    '  estimated cost      base model    Sonnet              total',
    `  --via batches       ${usd(e.batches.base).padEnd(13)} ${usd(e.batches.strong).padEnd(19)} ${usd(e.batches.total)}`,
    `  --via queue         ${usd(e.queue.base).padEnd(13)} ${usd(e.queue.strong).padEnd(19)} ${usd(e.queue.total)}`,
    `  batches save ~${usd(e.queue.total - e.batches.total)}; results arrive within 24 h instead of minutes`,
  ].join('\n');
}
