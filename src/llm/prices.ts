import { z } from 'zod';

/**
 * List prices in USD per million tokens (Anthropic's published pricing page).
 * Cache writes cost 1.25× input (5-minute TTL) or 2× input (1-hour TTL); cache
 * reads 0.1× input; the Message Batches API halves every rate. Override or add
 * rows with QC_PRICES (JSON: model id → partial row).
 */
export const PriceRow = z.object({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cacheWrite5m: z.number().nonnegative(),
  cacheWrite1h: z.number().nonnegative(),
  cacheRead: z.number().nonnegative(),
  batchDiscount: z.number().min(0).max(1),
  /** Smallest prompt prefix the model will cache, in tokens. */
  minCacheTokens: z.number().int().nonnegative(),
});
export type PriceRow = z.infer<typeof PriceRow>;

type Rates = [
  input: number,
  cacheWrite5m: number,
  cacheWrite1h: number,
  cacheRead: number,
  output: number,
];

/** One row as the pricing page prints it: input, 5m write, 1h write, cache hit, output. */
function row(
  [input, cacheWrite5m, cacheWrite1h, cacheRead, output]: Rates,
  minCacheTokens: number,
): PriceRow {
  return {
    input,
    output,
    cacheWrite5m,
    cacheWrite1h,
    cacheRead,
    batchDiscount: 0.5,
    minCacheTokens,
  };
}

/** Keyed by model family; dated ids and aliases resolve through `familyOf`. */
const DEFAULT_PRICES: Record<string, PriceRow> = {
  'claude-haiku-4-5': row([1, 1.25, 2, 0.1, 5], 4096),
  'claude-sonnet-4-5': row([3, 3.75, 6, 0.3, 15], 1024),
  'claude-sonnet-4-6': row([3, 3.75, 6, 0.3, 15], 1024),
  'claude-sonnet-4': row([3, 3.75, 6, 0.3, 15], 1024),
  'claude-opus-4-6': row([5, 6.25, 10, 0.5, 25], 4096),
  'claude-opus-4-5': row([5, 6.25, 10, 0.5, 25], 4096),
  'claude-opus-4-1': row([15, 18.75, 30, 1.5, 75], 1024),
  'claude-3-5-haiku': row([0.8, 1, 1.6, 0.08, 4], 2048),
  'claude-3-haiku': row([0.25, 0.3, 0.5, 0.03, 1.25], 2048),
};

/** `claude-haiku-4-5-20251001` → `claude-haiku-4-5`. */
function familyOf(model: string): string {
  return model.replace(/-\d{8}$/, '').replace(/-latest$/, '');
}

export class PriceTable {
  private readonly rows: Record<string, PriceRow>;

  constructor(overridesJson?: string) {
    this.rows = { ...DEFAULT_PRICES };
    if (overridesJson) {
      const parsed = z.record(z.string(), PriceRow.partial()).parse(JSON.parse(overridesJson));
      for (const [model, patch] of Object.entries(parsed)) {
        const base = this.rows[familyOf(model)] ?? this.rows[model];
        this.rows[familyOf(model)] = PriceRow.parse({ ...base, ...patch });
      }
    }
  }

  get(model: string): PriceRow {
    const found = this.rows[familyOf(model)] ?? this.rows[model];
    if (!found) {
      throw new Error(`no price for model "${model}": add it with QC_PRICES`);
    }
    return found;
  }

  has(model: string): boolean {
    return Boolean(this.rows[familyOf(model)] ?? this.rows[model]);
  }
}

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation?: {
    ephemeral_5m_input_tokens?: number | null;
    ephemeral_1h_input_tokens?: number | null;
  } | null;
}

/**
 * Cost of one call from its usage, in USD, rounded to 1e-8 (the NUMERIC scale
 * of agent_events.cost_usd) so stored sums equal recomputed ones.
 */
export function costOf(prices: PriceRow, usage: Usage, opts: { batch?: boolean } = {}): number {
  const created = usage.cache_creation_input_tokens ?? 0;
  const oneHour = usage.cache_creation?.ephemeral_1h_input_tokens ?? 0;
  const fiveMin = usage.cache_creation?.ephemeral_5m_input_tokens ?? created - oneHour;
  const micro =
    usage.input_tokens * prices.input +
    usage.output_tokens * prices.output +
    fiveMin * prices.cacheWrite5m +
    oneHour * prices.cacheWrite1h +
    (usage.cache_read_input_tokens ?? 0) * prices.cacheRead;
  const factor = opts.batch ? 1 - prices.batchDiscount : 1;
  return Math.round(((micro * factor) / 1e6) * 1e8) / 1e8;
}
