import { describe, expect, it } from 'vitest';
import { runBatch } from '../../src/batches/run.js';
import { costOf, PriceTable } from '../../src/llm/prices.js';
import { waitFor } from '../helpers/pipeline.js';
import {
  type Harness,
  REALTIME_FOLLOWUPS,
  resultCounts,
  startHarness,
  submittedBatches,
} from './harness.js';

interface Call {
  ticket_key: string;
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cost_usd: string;
  model: string;
}

/** The base model's first call per ticket, keyed by externalId so both databases line up. */
async function firstCalls(h: Harness, purpose: string): Promise<Map<string, Call>> {
  const r = await h.db.pool.query<Call>(
    `SELECT DISTINCT ON (t.external_id) t.external_id AS ticket_key, e.input_tokens, e.output_tokens,
       e.cache_creation_input_tokens, e.cache_read_input_tokens, e.cost_usd, e.model
     FROM agent_events e JOIN tickets t ON t.id = e.ticket_id
     WHERE e.kind = 'llm_call' AND e.purpose = $1 AND e.tier = 'base' ORDER BY t.external_id, e.id`,
    [purpose],
  );
  return new Map(r.rows.map((c) => [c.ticket_key, c]));
}

const sameTokens = (a: Call, b: Call) =>
  a.input_tokens === b.input_tokens &&
  a.output_tokens === b.output_tokens &&
  a.cache_creation_input_tokens === b.cache_creation_input_tokens &&
  a.cache_read_input_tokens === b.cache_read_input_tokens;

describe('the batch path costs half the realtime path', () => {
  it('same tickets graded both ways: for the same tokens, every batch call costs exactly half', async () => {
    const N = 20;
    const realtime = await startHarness({ tickets: N });
    const batch = await startHarness({ tickets: N });

    await realtime.p.startWorker({ concurrency: 1 });
    await realtime.p.enqueue(realtime.ids);
    await waitFor(
      'realtime results',
      async () => (await resultCounts(realtime.db, realtime.ids)).length === N,
    );
    await runBatch(batch.deps({ followups: REALTIME_FOLLOWUPS }), {
      via: 'batches',
      trigger: 'cli',
      wait: true,
      pollMs: 50,
    });
    expect(await resultCounts(batch.db, batch.ids)).toHaveLength(N);

    const rt = await firstCalls(realtime, 'grade');
    const bt = await firstCalls(batch, 'batch');
    expect(rt.size).toBe(N);
    expect(bt.size).toBe(N);

    const prices = new PriceTable();
    let rtSum = 0;
    let btSum = 0;
    let compared = 0;
    for (const [key, b] of bt) {
      const usage = {
        input_tokens: b.input_tokens,
        output_tokens: b.output_tokens,
        cache_creation_input_tokens: b.cache_creation_input_tokens,
        cache_read_input_tokens: b.cache_read_input_tokens,
        // Batch requests write the cache with the 1-hour TTL.
        cache_creation: { ephemeral_1h_input_tokens: b.cache_creation_input_tokens },
      };
      // Priced as the API does: the batch discount on top of the very same usage.
      expect(Number(b.cost_usd)).toBeCloseTo(costOf(prices.get(b.model), usage) / 2, 7);
      const r = rt.get(key) as Call;
      // A call that wrote the cache is priced by TTL (5-minute realtime, 1-hour batch): covered above.
      if (!sameTokens(r, b) || b.cache_creation_input_tokens > 0) continue;
      compared++;
      rtSum += Number(r.cost_usd);
      btSum += Number(b.cost_usd);
      expect(Number(b.cost_usd)).toBeCloseTo(Number(r.cost_usd) / 2, 7);
    }
    expect(compared).toBeGreaterThanOrEqual(N - 2);
    expect(btSum / rtSum).toBeCloseTo(0.5, 6);

    // Same tokens because the same request: a batch request's params are the realtime
    // call's body, but for the cache TTL on the system breakpoint.
    const realtimeBodies = realtime.sim
      .requests()
      .filter((r) => r.path === '/v1/messages')
      .map((r) => r.body as { messages: unknown[] });
    const oneHourToFiveMinutes = (params: Record<string, unknown>) =>
      JSON.parse(JSON.stringify(params).replace('"ttl":"1h"', '').replace(',}', '}'));
    const batchParams = submittedBatches(batch.sim).flat();
    expect(batchParams).toHaveLength(N);
    for (const { params } of batchParams) {
      const twin = realtimeBodies.find(
        (b) => JSON.stringify(b.messages) === JSON.stringify(params.messages),
      );
      expect(oneHourToFiveMinutes(params)).toEqual(twin);
    }
  });
});
