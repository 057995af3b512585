import type { HistoryTicket } from '../db/patterns.js';
import { costOf, type PriceTable } from '../llm/prices.js';
import { estimateTokens } from '../llm/tokens.js';
import { MINER_SYSTEM, renderTicket } from './mine-prompt.js';

/**
 * What a mining run would cost, before any call: the miner's chunks on each
 * path (Message Batches at half price, realtime), and the backtest that
 * follows (QC model, realtime, a few tickets graded twice). Token counts are
 * estimates from the offline tokenizer on a sample (like
 * src/batches/estimate.ts); prices from src/llm/prices.ts.
 */

/** Output tokens per chunk answer when there is nothing better to go on. */
const OUTPUT_PER_CHUNK = 2_000;
/** The backtest re-grades at most 10 cited and 5 control tickets, twice each. */
const BACKTEST_GRADES = (10 + 5) * 2;
const GRADE_OUTPUT = 900;
const SAMPLE = 20;

export interface MineEstimate {
  tickets: number;
  chunks: number;
  prefixTokens: number;
  ticketTokens: number;
  outputTokens: number;
  mining: { batches: number; realtime: number };
  backtest: number;
  total: { batches: number; realtime: number };
}

export function estimateMining(args: {
  tickets: Array<[cite: string, t: HistoryTicket]>;
  chunkSize: number;
  patternsMd: string;
  qcPrefixTokens: number;
  prices: PriceTable;
  model: string;
  qcModel: string;
}): MineEstimate {
  const n = args.tickets.length;
  const chunks = Math.ceil(n / args.chunkSize);
  const rendered = args.tickets.map(([c, t]) => renderTicket(c, t));
  // The tokenizer is slow (tens of ms a ticket): a sample sets tokens per character.
  const sample = rendered.slice(0, SAMPLE);
  const sampleChars = sample.reduce((s, x) => s + x.length, 0);
  const perChar = sampleChars ? estimateTokens(sample.join('\n')) / sampleChars : 0;
  const ticketTokens = Math.round(rendered.reduce((s, x) => s + x.length, 0) * perChar);
  const prefixTokens = estimateTokens(
    `${MINER_SYSTEM}\n\n<patterns>\n${args.patternsMd}\n</patterns>`,
  );
  const row = args.prices.get(args.model);
  const cached = prefixTokens >= row.minCacheTokens;
  const mining = (batch: boolean) =>
    chunks === 0
      ? 0
      : costOf(
          row,
          {
            input_tokens: ticketTokens + (cached ? 0 : prefixTokens * chunks),
            output_tokens: OUTPUT_PER_CHUNK * chunks,
            cache_read_input_tokens: cached ? prefixTokens * (chunks - 1) : 0,
            cache_creation_input_tokens: cached ? prefixTokens : 0,
          },
          { batch },
        );
  const qc = args.prices.get(args.qcModel);
  const perTicket = n ? ticketTokens / n : 0;
  const qcCached = args.qcPrefixTokens >= qc.minCacheTokens;
  const backtest =
    n === 0
      ? 0
      : costOf(qc, {
          input_tokens: Math.round(
            BACKTEST_GRADES * (perTicket + (qcCached ? 0 : args.qcPrefixTokens)),
          ),
          output_tokens: BACKTEST_GRADES * GRADE_OUTPUT,
          cache_read_input_tokens: qcCached ? BACKTEST_GRADES * args.qcPrefixTokens : 0,
        });
  const m = { batches: mining(true), realtime: mining(false) };
  return {
    tickets: n,
    chunks,
    prefixTokens,
    ticketTokens,
    outputTokens: OUTPUT_PER_CHUNK * chunks,
    mining: m,
    backtest,
    total: { batches: m.batches + backtest, realtime: m.realtime + backtest },
  };
}

const usd = (x: number) => `$${x.toFixed(x < 10 ? 4 : 2)}`;

export function formatMineEstimate(e: MineEstimate, model: string, via: string): string {
  return [
    `would mine ${e.tickets} ticket(s) in ${e.chunks} chunk(s) with ${model}`,
    `  tokens: ~${e.ticketTokens} ticket tokens in, ${e.prefixTokens} prompt + patterns.md tokens per chunk (cached), ~${e.outputTokens} out`,
    '  estimated cost      mining        backtest (realtime)   total',
    `  --via batches       ${usd(e.mining.batches).padEnd(13)} ${usd(e.backtest).padEnd(21)} ${usd(e.total.batches)}`,
    `  --via realtime      ${usd(e.mining.realtime).padEnd(13)} ${usd(e.backtest).padEnd(21)} ${usd(e.total.realtime)}`,
    `  chosen: --via ${via}. Estimates only: token counts come from an offline tokenizer.`,
  ].join('\n');
}
