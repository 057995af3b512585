import { Ticket } from '../ticket/schema.js';
import { type AgentEvent, insertEvents, type LlmCall, llmCallEvent } from './events.js';
import { recordTriageOutbox } from './outbox.js';
import { type Pool, type Queryable, withTransaction } from './pool.js';

/**
 * The triage agent's work list (`triage_requests`, filled by a trigger on a
 * ticket's first version) and its results (`triage_results`, one per ticket
 * version × triage context version).
 */

export interface TriageRequest {
  source: string;
  externalId: string;
  ticketId: number;
  createdAt: Date;
  /** The ticket's own `createdAt` (ms), when it has a valid one: history or not. */
  ticketCreatedAt: number | undefined;
}

/**
 * Claims pending requests (status 'queued') so two relays never queue one
 * twice, each with its ticket's `createdAt`, read from its JSON without
 * parsing the whole ticket — in the same statement (issue 13).
 */
export async function claimTriageRequests(db: Queryable, limit: number): Promise<TriageRequest[]> {
  const r = await db.query<Omit<TriageRequest, 'ticketCreatedAt'> & { created: string | null }>(
    `UPDATE triage_requests r SET status = 'queued', updated_at = now()
     WHERE (source, external_id) IN (
       SELECT source, external_id FROM triage_requests WHERE status = 'pending'
       ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED)
     RETURNING source, external_id AS "externalId", ticket_id AS "ticketId", created_at AS "createdAt",
               (SELECT t.ticket->>'createdAt' FROM tickets t WHERE t.id = r.ticket_id) AS created`,
    [limit],
  );
  return r.rows.map(({ created, ...req }) => ({ ...req, ticketCreatedAt: parsedTime(created) }));
}

function parsedTime(iso: string | null): number | undefined {
  const t = iso ? Date.parse(iso) : Number.NaN;
  return Number.isFinite(t) ? t : undefined;
}

export async function setTriageRequest(
  db: Queryable,
  key: { source: string; externalId: string },
  status: 'pending' | 'queued' | 'done' | 'skipped' | 'failed',
  reason?: string,
): Promise<void> {
  await db.query(
    `UPDATE triage_requests SET status = $3, reason = $4, updated_at = now()
     WHERE source = $1 AND external_id = $2`,
    [key.source, key.externalId, status, reason ?? null],
  );
}

/** Several requests to one status in one statement (the relay's skipped rows, issue 13). */
export async function setTriageRequests(
  db: Queryable,
  keys: { source: string; externalId: string }[],
  status: 'pending' | 'skipped',
  reason: string | null,
): Promise<void> {
  if (keys.length === 0) return;
  await db.query(
    `UPDATE triage_requests r SET status = $3, reason = $4, updated_at = now()
       FROM unnest($1::text[], $2::text[]) AS k(source, external_id)
      WHERE r.source = k.source AND r.external_id = k.external_id`,
    [keys.map((k) => k.source), keys.map((k) => k.externalId), status, reason],
  );
}

/** The first stored version of a help desk ticket: its state at creation, or closest to it. */
export async function firstVersionOf(
  db: Queryable,
  source: string,
  externalId: string,
): Promise<{ id: number; ticket: Ticket } | undefined> {
  const r = await db.query<{ id: number; ticket: unknown }>(
    `SELECT id, ticket FROM tickets WHERE source = $1 AND external_id = $2
     ORDER BY ticket_updated_at, id LIMIT 1`,
    [source, externalId],
  );
  const row = r.rows[0];
  return row ? { id: row.id, ticket: Ticket.parse(row.ticket) } : undefined;
}

export interface TriageSave {
  ticketId: number;
  source: string;
  externalId: string;
  contextVersion: string;
  missing: string[];
  question: string;
  model: string;
  calls: LlmCall[];
  latencyMs: number;
  jobId?: string | undefined;
  /** With write-back, a note when something is missing (the relay decides per source). */
  writeback: boolean;
}

/**
 * One transaction: the result (once per ticket × triage context), its model
 * calls and a `verdict` event as agent `triage` (cost per ticket), and — when
 * intake is incomplete — the outbox row for the internal note.
 */
export async function saveTriage(
  pool: Pool,
  s: TriageSave,
): Promise<{ id: number | undefined; duplicate: boolean }> {
  const cost = s.calls.reduce((a, c) => a + c.costUsd, 0);
  return withTransaction(pool, async (db) => {
    const r = await db.query<{ id: number }>(
      `INSERT INTO triage_results (ticket_id, source, external_id, context_version, missing, question,
         result, model, cost_usd, latency_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (ticket_id, context_version) DO NOTHING RETURNING id`,
      [
        s.ticketId,
        s.source,
        s.externalId,
        s.contextVersion,
        s.missing,
        s.question || null,
        JSON.stringify({ missing: s.missing, question: s.question }),
        s.model,
        cost.toFixed(8),
        s.latencyMs,
      ],
    );
    const id = r.rows[0]?.id;
    const common = {
      ticketId: s.ticketId,
      contextVersion: s.contextVersion,
      jobId: s.jobId ?? null,
    };
    const events: AgentEvent[] = s.calls.map((c) => llmCallEvent('triage', c, common));
    if (id !== undefined) {
      events.push({
        ...common,
        agent: 'triage',
        kind: 'verdict',
        category: s.missing.length ? 'intake_incomplete' : 'intake_complete',
        model: s.model,
        details: { triageId: id, missing: s.missing, question: s.question },
      });
      if (s.writeback && s.missing.length)
        await recordTriageOutbox(db, {
          ticketId: s.ticketId,
          triageId: id,
          contextVersion: s.contextVersion,
        });
    }
    await insertEvents(db, events);
    return { id, duplicate: id === undefined };
  });
}

/** Recently triaged tickets with complete intake: the control sample of a triage backtest. */
export async function completeTriageSample(
  db: Queryable,
  exclude: number[],
  limit: number,
): Promise<number[]> {
  const r = await db.query<{ ticket_id: number }>(
    `SELECT ticket_id FROM triage_results WHERE cardinality(missing) = 0
       AND NOT (ticket_id = ANY($1::bigint[])) ORDER BY id DESC LIMIT $2`,
    [exclude, limit],
  );
  return r.rows.map((x) => x.ticket_id);
}

/** Source and external id of stored ticket versions. */
export async function keysOf(
  db: Queryable,
  ticketIds: number[],
): Promise<Map<number, { source: string; externalId: string }>> {
  const r = await db.query<{ id: number; source: string; external_id: string }>(
    'SELECT id, source, external_id FROM tickets WHERE id = ANY($1::bigint[])',
    [ticketIds],
  );
  return new Map(r.rows.map((x) => [x.id, { source: x.source, externalId: x.external_id }]));
}

/** For the demo's summary: what the triage agent's calls cost on these help desk tickets. */
export async function triageSpend(
  db: Queryable,
  keys: { source: string; externalId: string }[],
): Promise<{ calls: number; costUsd: number; cacheRead: number; input: number }> {
  const r = await db.query<{
    calls: number;
    cost: string | null;
    cache_read: number;
    input: number;
  }>(
    `SELECT count(*)::int AS calls, sum(e.cost_usd) AS cost,
       coalesce(sum(e.cache_read_input_tokens), 0)::int AS cache_read,
       coalesce(sum(e.input_tokens + e.cache_read_input_tokens + e.cache_creation_input_tokens), 0)::int AS input
     FROM agent_events e JOIN tickets t ON t.id = e.ticket_id
     WHERE e.agent = 'triage' AND e.kind = 'llm_call'
       AND (t.source, t.external_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [keys.map((k) => k.source), keys.map((k) => k.externalId)],
  );
  const row = r.rows[0];
  return {
    calls: row?.calls ?? 0,
    costUsd: Number(row?.cost ?? 0),
    cacheRead: row?.cache_read ?? 0,
    input: row?.input ?? 0,
  };
}
