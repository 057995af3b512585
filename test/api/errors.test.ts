import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { ContextStore } from '../../src/context/store.js';
import { createPool } from '../../src/db/pool.js';
import { testConfig } from '../helpers/config.js';
import {
  deliver,
  fixture,
  type Harness,
  secretEnv,
  signedHeaders,
  startHarness,
  ticketRows,
} from './helpers.js';

/** Clear errors, never a 500 for client input: 400 with paths, 404, 413, 415, 503 + Retry-After. */

describe('client errors', () => {
  let h: Harness;
  const lifecycle = { draining: false };
  beforeAll(async () => {
    h = await startHarness({ env: { BODY_LIMIT_BYTES: '8192' } });
  });
  afterAll(() => h.close());

  it('400 lists each invalid path and why (vendor paths for vendor payloads)', async () => {
    const payload = JSON.parse(fixture('jira/issue-resolved.json'));
    payload.issue.fields.updated = 'yesterday';
    delete payload.issue.fields.status;
    const res = await deliver(h, 'jira', JSON.stringify(payload));
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('invalid_body');
    expect(error.issues.map((i: { path: string }) => i.path).sort()).toEqual([
      'issue.fields.status',
      'issue.fields.updated',
    ]);
    expect(error.issues.every((i: { message: string }) => i.message.length > 0)).toBe(true);
  });

  it('400 with canonical paths for the generic Ticket JSON, including what PostgreSQL would refuse', async () => {
    const t = JSON.parse(fixture('generic/ticket.json'));
    const schema = await deliver(
      h,
      'generic',
      JSON.stringify({ ...t, status: 'done', createdAt: '2026-02-31T10:00:00Z' }),
    );
    expect(schema.statusCode).toBe(400);
    expect(
      schema
        .json()
        .error.issues.map((i: { path: string }) => i.path)
        .sort(),
    ).toEqual(['createdAt', 'status']);
    // Valid to the schema, refused by PostgreSQL (or absurd): caught before the database.
    const body = JSON.stringify({
      ...t,
      subject: 'nul \u0000 byte',
      createdAt: '1969-12-31T23:00:00Z',
      comments: [{ ...t.comments[0], body: 'lone \ud800 surrogate' }],
    });
    const res = await deliver(h, 'generic', body);
    expect(res.statusCode).toBe(400);
    expect(
      res
        .json()
        .error.issues.map((i: { path: string }) => i.path)
        .sort(),
    ).toEqual(['comments.0.body', 'createdAt', 'subject']);
    expect(await ticketRows(h)).toHaveLength(0);
  });

  it('400 invalid_json for a signed body that is not JSON', async () => {
    const res = await deliver(h, 'generic', '{"externalId": ');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_json');
  });

  it('an unsigned delivery-id header of any length is no 500, and still dedupes a retry', async () => {
    // X-Atlassian-Webhook-Identifier is outside the signature: whoever replays a body picks it.
    const body = fixture('jira/issue-resolved.json').replace('HD-342', 'HD-9342');
    const headers = {
      ...signedHeaders('jira', body),
      'x-atlassian-webhook-identifier': randomBytes(6_000).toString('hex'),
    };
    const first = await deliver(h, 'jira', body, headers);
    expect(first.statusCode, first.body).toBe(202);
    const again = await deliver(h, 'jira', body, headers);
    expect(again.statusCode, again.body).toBe(202);
    expect(again.json().grading).toBe('duplicate_delivery');
  });

  it('413 over BODY_LIMIT_BYTES, before any parsing', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(9000) });
    const res = await deliver(h, 'generic', big);
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('body_too_large');
  });

  it('415 for anything but JSON', async () => {
    const body = 'ticket=1';
    const res = await deliver(h, 'generic', body, {
      ...signedHeaders('generic', body),
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('unsupported_media_type');
  });

  it('404 JSON for unknown routes and sources', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
    const res2 = await deliver(h, 'Not A Source', '{}');
    expect(res2.statusCode).toBe(404);
  });

  it('counts rejections by source and reason', async () => {
    const text = await h.metrics.registry.metrics();
    expect(text).toMatch(
      /ticketqc_webhooks_rejected_total\{source="jira",reason="invalid_body"\} 1/,
    );
    expect(text).toMatch(
      /ticketqc_webhooks_rejected_total\{source="generic",reason="body_too_large"\} 1/,
    );
    expect(text).toMatch(
      /ticketqc_webhooks_rejected_total\{source="unknown",reason="unknown_source"\} 1/,
    );
    void lifecycle;
  });
});

describe('PostgreSQL unreachable', () => {
  it('503 with Retry-After, nothing acknowledged; /readyz says which dependency is down', async () => {
    const config = testConfig({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
      ...secretEnv,
    });
    const pool = createPool(config.DATABASE_URL, { max: 1 });
    const app = await buildApp({
      config,
      pool,
      contexts: new ContextStore(pool),
      logger: pino({ level: 'silent' }),
    });
    try {
      const body = fixture('generic/ticket.json');
      const res = await app.inject({
        method: 'POST',
        url: '/webhooks/generic',
        payload: body,
        headers: signedHeaders('generic', body),
      });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json().error.code).toBe('database_unavailable');
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json().postgres).not.toBe('ok');
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await app.close();
      await pool.end();
    }
  });
});

describe('shutting down', () => {
  it('refuses new webhooks with 503 while draining', async () => {
    const lifecycle = { draining: false };
    const h = await startHarness();
    try {
      const app = await buildApp({
        config: h.config,
        pool: h.db.pool,
        queue: h.queue,
        contexts: h.contexts,
        logger: pino({ level: 'silent' }),
        lifecycle,
      });
      lifecycle.draining = true;
      const body = fixture('generic/ticket.json');
      const res = await app.inject({
        method: 'POST',
        url: '/webhooks/generic',
        payload: body,
        headers: signedHeaders('generic', body),
      });
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('shutting_down');
      expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
      await app.close();
    } finally {
      await h.close();
    }
  });
});
