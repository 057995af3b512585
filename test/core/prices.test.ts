import { describe, expect, it } from 'vitest';
import { costOf, PriceTable } from '../../src/llm/prices.js';

describe('price table', () => {
  const prices = new PriceTable();

  it('matches the published list prices (USD per million tokens)', () => {
    // Anthropic pricing page: Haiku 4.5 $1 in / $5 out; Sonnet 4.5 $3 / $15;
    // 5-minute cache writes 1.25×, 1-hour writes 2×, cache hits 0.1×; batches 50% off.
    expect(prices.get('claude-haiku-4-5-20251001')).toMatchObject({
      input: 1,
      output: 5,
      cacheWrite5m: 1.25,
      cacheWrite1h: 2,
      cacheRead: 0.1,
      batchDiscount: 0.5,
      minCacheTokens: 4096,
    });
    expect(prices.get('claude-sonnet-4-5-20250929')).toMatchObject({
      input: 3,
      output: 15,
      cacheWrite5m: 3.75,
      cacheWrite1h: 6,
      cacheRead: 0.3,
      batchDiscount: 0.5,
    });
    expect(prices.get('claude-sonnet-4-5')).toEqual(prices.get('claude-sonnet-4-5-20250929'));
    // Sonnet 4.6 (the default strong model) has the same list prices as 4.5.
    expect(prices.get('claude-sonnet-4-6')).toMatchObject({
      input: 3,
      output: 15,
      cacheWrite5m: 3.75,
      cacheWrite1h: 6,
      cacheRead: 0.3,
    });
  });

  it('computes cost from usage, each kind of token at its own rate', () => {
    const haiku = prices.get('claude-haiku-4-5');
    const usage = {
      input_tokens: 1_000,
      output_tokens: 500,
      cache_creation_input_tokens: 8_000,
      cache_read_input_tokens: 0,
    };
    // 1000×1 + 500×5 + 8000×1.25 = 13,500 µ$ = $0.0135
    expect(costOf(haiku, usage)).toBeCloseTo(0.0135, 10);
    const read = { ...usage, cache_creation_input_tokens: 0, cache_read_input_tokens: 8_000 };
    // 1000 + 2500 + 800 = 4,300 µ$
    expect(costOf(haiku, read)).toBeCloseTo(0.0043, 10);
    const oneHour = {
      ...usage,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 8_000 },
    };
    expect(costOf(haiku, oneHour)).toBeCloseTo(0.0195, 10);
  });

  it('charges half for batches', () => {
    const sonnet = prices.get('claude-sonnet-4-5');
    const usage = { input_tokens: 10_000, output_tokens: 2_000, cache_read_input_tokens: 5_000 };
    expect(costOf(sonnet, usage, { batch: true })).toBeCloseTo(costOf(sonnet, usage) / 2, 10);
  });

  it('accepts overrides and refuses unknown models clearly', () => {
    const custom = new PriceTable(
      JSON.stringify({
        'claude-haiku-4-5': { input: 0.8 },
        'my-model': {
          input: 2,
          output: 4,
          cacheWrite5m: 2.5,
          cacheWrite1h: 4,
          cacheRead: 0.2,
          batchDiscount: 0.5,
          minCacheTokens: 1024,
        },
      }),
    );
    expect(custom.get('claude-haiku-4-5-20251001').input).toBe(0.8);
    expect(custom.get('claude-haiku-4-5-20251001').output).toBe(5);
    expect(custom.get('my-model').output).toBe(4);
    expect(() => prices.get('gpt-4o')).toThrow(/QC_PRICES/);
  });
});
