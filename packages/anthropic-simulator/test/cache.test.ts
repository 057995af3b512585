import type Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator, TOOL_OVERHEAD_TOKENS } from '../src/index.js';
import { client, longContext, qcRequest, tokens } from './helpers.js';

let sim: Simulator;
let api: Anthropic;
const LONG = longContext(4_600);

beforeAll(async () => {
  sim = await startSimulator({ noise: 0 });
  api = client(sim);
});
afterAll(() => sim.close());
beforeEach(() => sim.clearCache());

const usage = async (req: Anthropic.MessageCreateParamsNonStreaming) =>
  (await api.messages.create(req)).usage;

describe('prompt caching', () => {
  it('writes on the first call and reads on the second; input_tokens is the uncached part', async () => {
    expect(tokens(LONG)).toBeGreaterThan(4_096);
    const first = await usage(qcRequest({ system: LONG }));
    expect(first.cache_read_input_tokens).toBe(0);
    expect(first.cache_creation_input_tokens).toBeGreaterThan(4_096);
    expect(first.cache_creation?.ephemeral_5m_input_tokens).toBe(first.cache_creation_input_tokens);
    expect(first.cache_creation?.ephemeral_1h_input_tokens).toBe(0);

    const second = await usage(qcRequest({ system: LONG }));
    expect(second.cache_read_input_tokens).toBe(first.cache_creation_input_tokens);
    expect(second.cache_creation_input_tokens).toBe(0);
    expect(second.input_tokens).toBe(first.input_tokens);
    // The uncached part is the user message (the ticket) plus the forced-tool overhead.
    const req = qcRequest({ system: LONG });
    const content = req.messages[0]?.content as Array<{ text: string }> | undefined;
    const userText = content?.[0]?.text ?? '';
    const uncached = tokens(`user: ${userText}`) + TOOL_OVERHEAD_TOKENS.tool;
    expect(Math.abs(second.input_tokens - uncached)).toBeLessThanOrEqual(5);
    expect(second.input_tokens).toBeLessThan(second.cache_read_input_tokens ?? 0);
  });

  it('a one-byte change in the cached prefix is a write, not a read', async () => {
    await usage(qcRequest({ system: LONG }));
    const changed = await usage(qcRequest({ system: `${LONG.slice(0, -1)}!` }));
    expect(changed.cache_read_input_tokens).toBe(0);
    expect(changed.cache_creation_input_tokens).toBeGreaterThan(4_096);
  });

  it('the tool definition is part of the cached prefix; the tool-use overhead is not', async () => {
    const withTool = (description: string) => {
      const req = qcRequest({ system: LONG });
      const tool = req.tools?.[0] as Anthropic.Tool;
      return { ...req, tools: [{ ...tool, description }] };
    };
    const first = await usage(withTool('Record the QC verdict.'));
    const again = await usage(withTool('Record the QC verdict.'));
    expect(again.cache_read_input_tokens).toBe(first.cache_creation_input_tokens);
    // The cached prefix holds the tool: a changed description misses the cache.
    const changed = await usage(withTool('Record the verdict.'));
    expect(changed.cache_read_input_tokens).toBe(0);
    expect(changed.cache_creation_input_tokens).toBeGreaterThan(0);
    // The tool-use system prompt stays in input_tokens, cached prefix or not.
    expect(again.input_tokens).toBeGreaterThan(TOOL_OVERHEAD_TOKENS.tool);
  });

  it('a change after the prefix (another ticket) still reads the cache', async () => {
    await usage(qcRequest({ system: LONG }));
    const other = await usage(
      qcRequest({ system: LONG, ticketText: 'A different ticket entirely.' }),
    );
    expect(other.cache_read_input_tokens).toBeGreaterThan(4_096);
  });

  it('expires after the TTL on the injected clock, and reads refresh the TTL', async () => {
    await usage(qcRequest({ system: LONG }));
    sim.clock.advance(4 * 60_000);
    expect((await usage(qcRequest({ system: LONG }))).cache_read_input_tokens).toBeGreaterThan(0);
    sim.clock.advance(4 * 60_000); // 8 minutes after the write, 4 after the refreshing read
    expect((await usage(qcRequest({ system: LONG }))).cache_read_input_tokens).toBeGreaterThan(0);
    sim.clock.advance(5 * 60_000 + 1);
    const expired = await usage(qcRequest({ system: LONG }));
    expect(expired.cache_read_input_tokens).toBe(0);
    expect(expired.cache_creation_input_tokens).toBeGreaterThan(4_096);
  });

  it("keeps ttl: '1h' entries for an hour and reports them as 1h writes", async () => {
    const first = await usage(qcRequest({ system: LONG, ttl: '1h' }));
    expect(first.cache_creation?.ephemeral_1h_input_tokens).toBe(first.cache_creation_input_tokens);
    sim.clock.advance(30 * 60_000);
    expect(
      (await usage(qcRequest({ system: LONG, ttl: '1h' }))).cache_read_input_tokens,
    ).toBeGreaterThan(0);
  });

  it('does not cache a prefix below the model minimum (Haiku 4.5: 4096) — both counters 0', async () => {
    const short = longContext(2_000, 'short');
    for (let i = 0; i < 2; i++) {
      const u = await usage(qcRequest({ system: short }));
      expect(u.cache_creation_input_tokens).toBe(0);
      expect(u.cache_read_input_tokens).toBe(0);
      expect(u.input_tokens).toBeGreaterThan(2_000);
    }
    expect(sim.cacheStats().belowMinimum).toBe(2);
    // The same prefix is long enough for Sonnet 4.6 (minimum 1024).
    const sonnet = await usage(qcRequest({ system: short, model: 'claude-sonnet-4-6' }));
    expect(sonnet.cache_creation_input_tokens).toBeGreaterThan(2_000);
  });

  it('keeps separate caches per model; an alias shares its snapshot cache', async () => {
    await usage(qcRequest({ system: LONG, model: 'claude-haiku-4-5-20251001' }));
    const sonnet = await usage(qcRequest({ system: LONG, model: 'claude-sonnet-4-6' }));
    expect(sonnet.cache_read_input_tokens).toBe(0);
    expect(sonnet.cache_creation_input_tokens).toBeGreaterThan(0);
    const alias = await usage(qcRequest({ system: LONG, model: 'claude-haiku-4-5' }));
    expect(alias.cache_read_input_tokens).toBeGreaterThan(0);
  });

  it('reads the longest cached breakpoint and writes only the new span', async () => {
    const second = longContext(1_500, 'second');
    const base = qcRequest({ system: LONG });
    await api.messages.create(base);
    const twoBreakpoints = qcRequest({ system: LONG });
    twoBreakpoints.system = [
      ...(base.system as Anthropic.TextBlockParam[]),
      { type: 'text', text: second, cache_control: { type: 'ephemeral' } },
    ];
    const u = (await api.messages.create(twoBreakpoints)).usage;
    const firstPrefix = (await api.messages.create(base)).usage.cache_read_input_tokens ?? 0;
    expect(u.cache_read_input_tokens).toBe(firstPrefix);
    expect(Math.abs((u.cache_creation_input_tokens ?? 0) - tokens(second))).toBeLessThanOrEqual(2);
  });
});
