import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver, fixture, type Harness, signedHeaders, startHarness } from './helpers.js';

/**
 * Route inputs declared as schemas, and the errors that never reach a
 * route — Node's parser (431, a malformed Content-Length), Fastify's router
 * (414) — all answer in the {"error":{"code","message"}} envelope.
 */

const TOKEN = 'events-token-input';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

let h: Harness;
let port: number;
beforeAll(async () => {
  h = await startHarness({ env: { EVENTS_TOKEN: TOKEN } });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const address = h.app.server.address();
  port = typeof address === 'object' && address ? address.port : 0;
});
afterAll(() => h.close());

/** Writes bytes on a fresh connection and reads the whole answer (the server closes it). */
function raw(request: string): Promise<{ status: number; body: string; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), head, body });
    });
    socket.write(request);
  });
}

describe('a body that fails the route schema', () => {
  it('POST /events: 400 invalid_body in the envelope, each path and why', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/events',
      headers: auth,
      payload: JSON.stringify({ events: [{ agent: 'triage', kind: 'nap', costUsd: -1 }] }),
    });
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('invalid_body');
    expect(error.message).toBe('the body does not match the expected shape');
    expect(error.issues.length).toBeGreaterThan(0);
    for (const i of error.issues) expect(i.message.length).toBeGreaterThan(0);
  });

  it('the token is checked before the body: a bad body without it is 401', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/events',
      headers: { 'content-type': 'application/json' },
      payload: '{"agent": 5}',
    });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('unauthorized');
  });

  it('not JSON, or no body at all: 400 invalid_json, as before', async () => {
    for (const payload of ['{"agent": ', '']) {
      const res = await h.app.inject({ method: 'POST', url: '/events', headers: auth, payload });
      expect(res.statusCode, payload).toBe(400);
      expect(res.json().error.code, payload).toBe('invalid_json');
    }
  });
});

describe('errors outside the routes, in the envelope', () => {
  it('400 when the body is not as long as Content-Length says', async () => {
    const body = fixture('generic/ticket.json');
    const res = await h.app.inject({
      method: 'POST',
      url: '/webhooks/generic',
      payload: body,
      headers: { ...signedHeaders('generic', body), 'content-length': String(body.length + 10) },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toEqual({
      code: 'bad_request',
      message: 'the body is not as long as its Content-Length header says',
    });
  });

  it('400 for a Content-Length the HTTP parser refuses', async () => {
    const res = await raw(
      'POST /webhooks/generic HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 12abc\r\n\r\n{}',
    );
    expect(res.status).toBe(400);
    expect(res.head.toLowerCase()).toContain('content-type: application/json');
    expect(JSON.parse(res.body).error.code).toBe('bad_request');
  });

  it('414 for a path parameter over the router limit', async () => {
    const res = await deliver(h, 'x'.repeat(200), '{}');
    expect(res.statusCode).toBe(414);
    expect(res.json().error.code).toBe('uri_too_long');
    const onWire = await raw(
      `POST /webhooks/${'y'.repeat(300)} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
    );
    expect(onWire.status).toBe(414);
    expect(JSON.parse(onWire.body).error.code).toBe('uri_too_long');
  });

  it('431 for headers over the server limit', async () => {
    const res = await raw(
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ${'p'.repeat(20_000)}\r\n\r\n`,
    );
    expect(res.status).toBe(431);
    expect(JSON.parse(res.body)).toEqual({
      error: {
        code: 'headers_too_large',
        message: 'the request line and headers are larger than the server accepts',
      },
    });
  });

  it('a garbled request line: 400 in the envelope', async () => {
    const res = await raw('NOT HTTP AT ALL\r\n\r\n');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe('bad_request');
  });
});
