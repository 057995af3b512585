import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../src/index.js';
import { client, longContext, qcRequest, ticket, verdictZod } from './helpers.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const requests = (n: number, system = 'Rubric: short.') =>
  Array.from({ length: n }, (_, i) => ({
    custom_id: `ticket-${i}`,
    params: qcRequest({ system, ttl: '1h', ticketData: ticket({ externalId: `B-${i}` }) }),
  }));

async function collect(api: Anthropic, id: string) {
  const lines: Anthropic.Messages.MessageBatchIndividualResponse[] = [];
  for await (const line of await api.messages.batches.results(id)) lines.push(line);
  return lines;
}

describe('Message Batches', () => {
  it('create → in_progress → ended (injected clock) → JSONL results through the SDK', async () => {
    sim = await startSimulator({ noise: 0, batch: { processingMs: 60_000 } });
    const api = client(sim);
    const created = await api.messages.batches.create({
      requests: requests(3, longContext(4_200)),
    });
    expect(created.id).toMatch(/^msgbatch_01/);
    expect(created.type).toBe('message_batch');
    expect(created.processing_status).toBe('in_progress');
    expect(created.request_counts).toEqual({
      processing: 3,
      succeeded: 0,
      errored: 0,
      canceled: 0,
      expired: 0,
    });
    expect(created.results_url).toBeNull();
    expect(Date.parse(created.expires_at) - Date.parse(created.created_at)).toBe(86_400_000);
    await expect(api.messages.batches.results(created.id)).rejects.toThrow(/results_url/);

    sim.clock.advance(60_000);
    const ended = await api.messages.batches.retrieve(created.id);
    expect(ended.processing_status).toBe('ended');
    expect(ended.request_counts.succeeded).toBe(3);
    expect(ended.ended_at).not.toBeNull();
    expect(ended.results_url).toBe(`${sim.url}/v1/messages/batches/${created.id}/results`);

    const lines = await collect(api, created.id);
    expect(lines.map((l) => l.custom_id)).toEqual(['ticket-0', 'ticket-1', 'ticket-2']);
    const [first, second] = lines.map((l) =>
      l.result.type === 'succeeded' ? l.result.message : undefined,
    );
    const block = first?.content[0];
    expect(block?.type === 'tool_use' && verdictZod().safeParse(block.input).success).toBe(true);
    expect(first?.usage.service_tier).toBe('batch');
    expect(first?.usage.cache_creation?.ephemeral_1h_input_tokens).toBeGreaterThan(4_096);
    expect(second?.usage.cache_read_input_tokens).toBeGreaterThan(4_096);
  });

  it('marks entries errored or expired by rate, and invalid params as errored', async () => {
    sim = await startSimulator({
      noise: 0,
      batch: { processingMs: 0, erroredRate: 0.3, expiredRate: 0.3 },
    });
    const api = client(sim);
    const bad = { custom_id: 'bad', params: { ...qcRequest(), model: 'claude-nope' } };
    const batch = await api.messages.batches.create({ requests: [...requests(20), bad] });
    const lines = await collect(api, batch.id);
    const types = lines.map((l) => l.result.type);
    expect(types).toContain('errored');
    expect(types).toContain('expired');
    expect(types).toContain('succeeded');
    const ended = await api.messages.batches.retrieve(batch.id);
    expect(Object.values(ended.request_counts).reduce((a, b) => a + b, 0)).toBe(21);
    expect(ended.request_counts.processing).toBe(0);
    const again = await collect(api, batch.id);
    expect(again).toEqual(lines);
  });

  it('errored entries carry the error type set by batch.erroredType', async () => {
    sim = await startSimulator({
      noise: 0,
      batch: { processingMs: 0, erroredRate: 1, erroredType: 'overloaded_error' },
    });
    const api = client(sim);
    const batch = await api.messages.batches.create({ requests: requests(2) });
    const lines = await collect(api, batch.id);
    expect(lines.map((l) => l.result)).toEqual([
      {
        type: 'errored',
        error: {
          type: 'error',
          error: { type: 'overloaded_error', message: 'Overloaded' },
          request_id: null,
        },
      },
      expect.objectContaining({ type: 'errored' }),
    ]);
    sim.setOptions({ batch: { erroredType: 'invalid_request_error' } });
    const next = await api.messages.batches.create({ requests: requests(1) });
    const [line] = await collect(api, next.id);
    expect(line?.result.type === 'errored' && line.result.error.error.type).toBe(
      'invalid_request_error',
    );
  });

  it('refuses a create body over batch.maxBytes with 413 request_too_large; nothing is created', async () => {
    sim = await startSimulator({ noise: 0, batch: { processingMs: 60_000 } });
    const api = client(sim);
    const body = { requests: requests(4) };
    const size = Buffer.byteLength(JSON.stringify(body));
    sim.setOptions({ batch: { maxBytes: size - 1 } });
    const refused = await api.messages.batches.create(body).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Anthropic.APIError);
    expect((refused as InstanceType<typeof Anthropic.APIError>).status).toBe(413);
    expect((refused as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: 'error',
      error: {
        type: 'request_too_large',
        message: 'Request exceeds the maximum allowed number of bytes.',
      },
    });
    expect((await api.messages.batches.list()).data).toEqual([]);
    // Half of it fits.
    const half = await api.messages.batches.create({ requests: requests(2) });
    expect(half.request_counts.processing).toBe(2);
  });

  it('cancel keeps what finished before it and cancels the rest', async () => {
    sim = await startSimulator({ noise: 0, batch: { processingMs: 100_000 } });
    const api = client(sim);
    const batch = await api.messages.batches.create({ requests: requests(4) });
    sim.clock.advance(50_000);
    const canceling = await api.messages.batches.cancel(batch.id);
    expect(canceling.processing_status).toBe('canceling');
    expect(canceling.cancel_initiated_at).not.toBeNull();
    const ended = await api.messages.batches.retrieve(batch.id);
    expect(ended.processing_status).toBe('ended');
    expect(ended.request_counts).toMatchObject({ succeeded: 2, canceled: 2 });
  });

  it('lists newest first with has_more, first_id, last_id and after_id/before_id paging', async () => {
    sim = await startSimulator({ noise: 0 });
    const api = client(sim);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await api.messages.batches.create({ requests: requests(1) })).id);
    const newestFirst = [...ids].reverse();
    const page = await api.messages.batches.list({ limit: 2 });
    expect(page.data.map((b) => b.id)).toEqual(newestFirst.slice(0, 2));
    expect(page.has_more).toBe(true);
    expect(page.first_id).toBe(newestFirst[0]);
    expect(page.last_id).toBe(newestFirst[1]);
    const all: string[] = [];
    for await (const b of api.messages.batches.list({ limit: 2 })) all.push(b.id);
    expect(all).toEqual(newestFirst);
    const before = await api.messages.batches.list({ limit: 2, before_id: newestFirst[3] });
    expect(before.data.map((b) => b.id)).toEqual(newestFirst.slice(1, 3));
  });

  it('refuses bad custom_ids, duplicates and unknown batches', async () => {
    sim = await startSimulator();
    const api = client(sim);
    const bad = api.messages.batches.create({
      requests: [{ custom_id: 'has space', params: qcRequest() }],
    });
    await expect(bad).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    const dup = api.messages.batches.create({ requests: [...requests(1), ...requests(1)] });
    await expect(dup).rejects.toThrow(/Duplicate custom_id/);
    await expect(api.messages.batches.retrieve('msgbatch_missing')).rejects.toBeInstanceOf(
      Anthropic.NotFoundError,
    );
  });
});
