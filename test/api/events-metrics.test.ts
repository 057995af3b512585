import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertEvents } from '../../src/db/events.js';
import { deliver, fixture, type Harness, startHarness, waitFor } from './helpers.js';

/** POST /events (other agents, closed vocabularies), GET /metrics, GET /readyz, GET /healthz. */

const TOKEN = 'events-token-abc';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

describe('POST /events', () => {
  let h: Harness;
  let ticketId: number;
  beforeAll(async () => {
    h = await startHarness({ env: { EVENTS_TOKEN: `${TOKEN},events-token-old` } });
    ticketId = (await deliver(h, 'jira', fixture('jira/issue-resolved.json'))).json().ticketId;
  });
  afterAll(() => h.close());

  const post = (payload: unknown, headers: Record<string, string> = auth) =>
    h.app.inject({ method: 'POST', url: '/events', payload: JSON.stringify(payload), headers });

  it('stores a triage failure and an llm_call, resolving the ticket by source and external id', async () => {
    const res = await post({
      events: [
        {
          agent: 'triage',
          kind: 'failure',
          category: 'missing_asset_info',
          ticket: { source: 'jira', externalId: 'HD-342' },
          details: { note: 'no asset tag' },
        },
        {
          agent: 'triage',
          kind: 'llm_call',
          model: 'claude-haiku-4-5-20251001',
          tier: 'base',
          purpose: 'triage',
          inputTokens: 1200,
          outputTokens: 90,
          costUsd: 0.00165,
          latencyMs: 800,
          ticketId,
        },
      ],
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().ids).toHaveLength(2);
    const rows = await h.db.pool.query(
      'SELECT agent, kind, category, ticket_id, input_tokens FROM agent_events ORDER BY id',
    );
    expect(rows.rows).toEqual([
      {
        agent: 'triage',
        kind: 'failure',
        category: 'missing_asset_info',
        ticket_id: ticketId,
        input_tokens: 0,
      },
      {
        agent: 'triage',
        kind: 'llm_call',
        category: null,
        ticket_id: ticketId,
        input_tokens: 1200,
      },
    ]);
  });

  it('refuses categories and agents outside the closed vocabularies, writing nothing', async () => {
    const before = (await h.db.pool.query('SELECT count(*)::int AS n FROM agent_events')).rows[0].n;
    const res = await post({
      events: [
        { agent: 'triage', kind: 'failure', category: 'was_rude' },
        { agent: 'qc-worker', kind: 'failure', category: 'low_confidence' },
        { agent: 'triage', kind: 'failure' },
        {
          agent: 'triage',
          kind: 'failure',
          category: 'wrong_priority',
          ticket: { source: 'jira', externalId: 'NOPE-1' },
        },
      ],
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues.map((i: { path: string }) => i.path)).toEqual([
      'events.0.category',
      'events.1.agent',
      'events.2.category',
      'events.3.ticket',
    ]);
    expect((await h.db.pool.query('SELECT count(*)::int AS n FROM agent_events')).rows[0].n).toBe(
      before,
    );
  });

  it('401 without the bearer token (the older token of a rotation pair works)', async () => {
    const one = { agent: 'triage', kind: 'failure', category: 'wrong_priority' };
    expect((await post(one, { 'content-type': 'application/json' })).statusCode).toBe(401);
    expect((await post(one, { ...auth, authorization: 'Bearer nope' })).statusCode).toBe(401);
    expect(
      (await post(one, { ...auth, authorization: 'Bearer events-token-old' })).statusCode,
    ).toBe(201);
  });
});

describe('POST /events without EVENTS_TOKEN', () => {
  it('is refused, never open', async () => {
    const h = await startHarness();
    try {
      const res = await h.app.inject({
        method: 'POST',
        url: '/events',
        payload: '{}',
        headers: auth,
      });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('events_not_configured');
    } finally {
      await h.close();
    }
  });
});

describe('health and metrics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('/healthz and /readyz are 200 with PostgreSQL and Redis up', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({
      status: 'ok',
    });
    const ready = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({
      status: 'ready',
      postgres: 'ok',
      redis: 'ok',
      redisMaxmemoryPolicy: 'noeviction',
    });
  });

  it('/metrics: webhooks by source and outcome, queue depth by state, tokens, cost and grading duration from the tables', async () => {
    await h.app.inject({ method: 'GET', url: '/metrics' }); // starts the counters' watermarks
    const accepted = await deliver(h, 'servicenow', fixture('servicenow/incident-resolved.json'));
    await deliver(h, 'servicenow', '{}', { 'content-type': 'application/json' });
    const ticketId = accepted.json().ticketId as number;
    // What a QC worker writes when it grades: one model call and one result.
    await insertEvents(h.db.pool, [
      {
        agent: 'qc-worker',
        kind: 'llm_call',
        model: 'claude-haiku-4-5-20251001',
        tier: 'base',
        purpose: 'grade',
        inputTokens: 900,
        outputTokens: 300,
        cacheReadTokens: 5000,
        costUsd: 0.0027,
        ticketId,
      },
    ]);
    await h.db.pool.query(
      `INSERT INTO qc_results (ticket_id, context_version, outcome, score, confidence, verdict, model, tier, latency_ms)
       VALUES ($1, 'v', 'pass', 90, 0.9, '{}', 'claude-haiku-4-5-20251001', 'base', 2400)`,
      [ticketId],
    );
    // /metrics reads PostgreSQL once a second at most: scraped until that read saw the new rows.
    const res = await waitFor('a scrape that read the new rows', async () => {
      const r = await h.app.inject({ method: 'GET', url: '/metrics' });
      return r.body.includes('ticketqc_grades_total{outcome="pass",tier="base"} 1') ? r : undefined;
    });
    expect(res.headers['content-type']).toContain('text/plain');
    const text = res.body;
    expect(text).toContain('ticketqc_webhooks_received_total{source="servicenow"} 2');
    expect(text).toContain(
      'ticketqc_webhooks_rejected_total{source="servicenow",reason="signature_missing"} 1',
    );
    expect(text).toContain(
      'ticketqc_webhooks_accepted_total{source="servicenow",grading="scheduled"} 1',
    );
    expect(text).toContain('ticketqc_tickets_enqueued_total{via="webhook"} 1');
    expect(text).toContain('ticketqc_queue_jobs{state="delayed"} 1');
    expect(text).toContain(
      'ticketqc_llm_tokens_total{model="claude-haiku-4-5-20251001",tier="base",type="cache_read"} 5000',
    );
    expect(text).toContain(
      'ticketqc_llm_cost_usd_total{model="claude-haiku-4-5-20251001",tier="base"} 0.0027',
    );
    expect(text).toContain(
      'ticketqc_grading_duration_seconds_bucket{le="5",model="claude-haiku-4-5-20251001",tier="base"} 1',
    );
    expect(text).toContain('ticketqc_grades_total{outcome="pass",tier="base"} 1');
    expect(text).toMatch(
      /ticketqc_webhook_duration_seconds_count\{source="servicenow",status="202"\} 1/,
    );
  });
});
