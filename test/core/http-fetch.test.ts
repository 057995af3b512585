import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnthropic } from '../../src/llm/client.js';
import { httpFetch } from '../../src/llm/http-fetch.js';

/**
 * The Anthropic client's node:http fetch (src/llm/http-fetch.ts) with the
 * real SDK: answers, keep-alive, aborts and connection errors as the SDK
 * expects them from fetch.
 */

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ noise: 0, batch: { processingMs: 0 } });
});
afterAll(async () => {
  await sim?.close();
});

const params = {
  model: 'claude-haiku-4-5',
  max_tokens: 100,
  messages: [{ role: 'user' as const, content: 'Hello' }],
};

describe('http fetch', () => {
  it('serves the SDK: answers parsed, headers read, one socket kept alive for sequential calls', async () => {
    const sockets = new Set<unknown>();
    const server = createServer((req, res) => {
      sockets.add(req.socket);
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        const sent = JSON.parse(body) as { model: string };
        res.setHeader('content-type', 'application/json');
        res.setHeader('request-id', 'req_1');
        res.end(
          JSON.stringify({
            id: 'msg_1',
            type: 'message',
            role: 'assistant',
            model: sent.model,
            content: [{ type: 'text', text: 'héllo' }],
            stop_reason: 'end_turn',
            usage: { input_tokens: 3, output_tokens: 1 },
          }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const client = createAnthropic({
        baseURL: `http://127.0.0.1:${port}`,
        timeoutMs: 10_000,
        fetch: httpFetch(),
      });
      for (let i = 0; i < 3; i++) {
        const { data, request_id } = await client.messages.create(params).withResponse();
        expect(data.content[0]).toMatchObject({ type: 'text', text: 'héllo' });
        expect(request_id).toBe('req_1');
      }
      expect(sockets.size).toBe(1);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('a compressed answer (a proxy may compress) is decoded', async () => {
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('content-encoding', 'gzip');
      res.end(gzipSync(JSON.stringify({ ok: 'é' })));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await httpFetch()(`http://127.0.0.1:${port}/`);
      expect(await res.json()).toEqual({ ok: 'é' });
      expect(res.headers.get('content-encoding')).toBeNull();
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('a Messages call against the simulator, and a clone parsed once', async () => {
    const f = httpFetch();
    const res = await f(`${sim.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': 'k',
        'anthropic-version': '2023-06-01',
      },
      body: JSON.stringify(params),
    });
    expect(res.status).toBe(200);
    const a = await res.clone().json();
    expect(await res.json()).toBe(a);
  });

  it('a JSON answer holds no body stream; batch results (JSONL) and error answers keep theirs, and the SDK reads all three', async () => {
    const f = httpFetch();
    const headers = {
      'content-type': 'application/json',
      'x-api-key': 'k',
      'anthropic-version': '2023-06-01',
    };
    const ok = await f(`${sim.url}/v1/messages`, {
      method: 'POST',
      headers,
      body: JSON.stringify(params),
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toBeNull();
    expect(ok.bodyUsed).toBe(false);
    const text = await ok.text();
    expect(JSON.parse(text)).toEqual(await ok.json());
    expect(new TextDecoder().decode(await ok.arrayBuffer())).toBe(text);
    expect(await (await ok.blob()).text()).toBe(text);

    const bad = await f(`${sim.url}/v1/messages`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ ...params, max_tokens: -1 }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body).not.toBeNull();
    const rebuilt = new Response(bad.body, { status: bad.status, headers: bad.headers });
    expect(((await rebuilt.json()) as { type: string }).type).toBe('error');

    const client = createAnthropic({ baseURL: sim.url, timeoutMs: 10_000, fetch: f });
    const batch = await client.messages.batches.create({
      requests: [{ custom_id: 'r1', params }],
    });
    expect(batch.processing_status).toBeDefined();
    const results = await f(`${sim.url}/v1/messages/batches/${batch.id}/results`, { headers });
    expect(results.status).toBe(200);
    expect(results.body).not.toBeNull();
    const ids: string[] = [];
    for await (const entry of await client.messages.batches.results(batch.id))
      ids.push(entry.custom_id);
    expect(ids).toEqual(['r1']);
    await expect(client.messages.create({ ...params, max_tokens: -1 })).rejects.toThrow(
      /max_tokens/,
    );
  });

  it('an abort rejects with an AbortError; a refused connection is an SDK connection error', async () => {
    sim.setOptions({ latencyMs: 5_000 });
    try {
      const client = createAnthropic({ baseURL: sim.url, timeoutMs: 10_000, fetch: httpFetch() });
      const ac = new AbortController();
      const p = client.messages.create(params, { signal: ac.signal });
      setImmediate(() => ac.abort());
      await expect(p).rejects.toMatchObject({ name: 'APIUserAbortError' });
    } finally {
      sim.setOptions({ latencyMs: 0 });
    }
    const dead = createAnthropic({
      baseURL: 'http://127.0.0.1:1',
      timeoutMs: 2_000,
      fetch: httpFetch(),
    });
    await expect(dead.messages.create(params)).rejects.toMatchObject({
      name: 'APIConnectionError',
    });
  });
});
