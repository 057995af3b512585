import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../src/index.js';
import { client, longContext, qcRequest } from './helpers.js';

/** The /_sim endpoints, as a test in another process would use them (plain fetch). */

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ apiKey: 'secret-key', noise: 0 });
});
afterAll(() => sim.close());

const admin = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${sim.url}/_sim${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

describe('/_sim admin endpoints', () => {
  it('health', async () => {
    expect((await admin('GET', '/health')).json.ok).toBe(true);
  });

  it('lists and clears logged requests without secrets', async () => {
    await client(sim, 'secret-key').messages.create(qcRequest());
    const { json } = await admin('GET', '/requests');
    const entries = json.data as Array<Record<string, unknown>>;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ method: 'POST', path: '/v1/messages', status: 200 });
    expect((entries[0]?.body as Record<string, unknown> | undefined)?.model).toBe(
      'claude-haiku-4-5-20251001',
    );
    expect(JSON.stringify(json)).not.toContain('secret-key');
    expect((await admin('DELETE', '/requests')).json.cleared).toBe(1);
    expect(sim.requests()).toEqual([]);
  });

  it('patches options and refuses bad patches', async () => {
    const ok = await admin('POST', '/options', { rateLimits: { requestsPerMinute: 1 } });
    expect(ok.status).toBe(200);
    expect(sim.options.rateLimits.requestsPerMinute).toBe(1);
    expect((ok.json.options as Record<string, unknown>).apiKey).toBe('[set]');
    const bad = await admin('POST', '/options', { noise: 3, nonsense: true });
    expect(bad.status).toBe(400);
    expect((bad.json.error as Record<string, unknown>).type).toBe('invalid_request_error');
    await admin('POST', '/options', { rateLimits: { requestsPerMinute: 0 } });
  });

  it('scripts faults', async () => {
    const res = await admin('POST', '/faults', { kind: 'overloaded', count: 1 });
    expect(res.json.pending).toEqual(['overloaded']);
    await expect(client(sim, 'secret-key').messages.create(qcRequest())).rejects.toMatchObject({
      status: 529,
    });
    expect((await admin('POST', '/faults', { kind: 'explode' })).status).toBe(400);
  });

  it('advances the clock (cache expiry) and reports cache stats', async () => {
    const api = client(sim, 'secret-key');
    const req = qcRequest({ system: longContext(4_300, 'admin') });
    await api.messages.create(req);
    expect((await api.messages.create(req)).usage.cache_read_input_tokens).toBeGreaterThan(0);
    const before = sim.clock.now();
    const clock = await admin('POST', '/clock', { advanceMs: 301_000 });
    expect(clock.json.now as number).toBeGreaterThanOrEqual(before + 301_000);
    expect((await api.messages.create(req)).usage.cache_read_input_tokens).toBe(0);
    const stats = (await admin('GET', '/cache')).json;
    expect(stats).toMatchObject({ hits: 1, misses: 2, writes: 2 });
  });
});
