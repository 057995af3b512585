import { Ticket } from '../ticket/schema.js';
import type { Queryable } from './pool.js';

/** History read by `patterns mine`, and its runs (pattern_mining_runs, migration 017). */

export interface HistoryTicket {
  id: number;
  source: string;
  externalId: string;
  ticket: Ticket;
}

/**
 * The latest stored version of each ticket in one of `statuses`, updated
 * since `since`, newest first, at most `limit`.
 */
export async function historyTickets(
  db: Queryable,
  opts: { statuses: string[]; since?: Date | undefined; limit: number },
): Promise<HistoryTicket[]> {
  const r = await db.query<{ id: number; source: string; external_id: string; ticket: unknown }>(
    `SELECT t.id, t.source, t.external_id, t.ticket FROM tickets t
     WHERE t.status = ANY($1::text[])
       AND ($2::timestamptz IS NULL OR t.ticket_updated_at >= $2)
       AND NOT EXISTS (
         SELECT 1 FROM tickets n WHERE n.source = t.source AND n.external_id = t.external_id
           AND (n.ticket_updated_at, n.id) > (t.ticket_updated_at, t.id))
     ORDER BY t.ticket_updated_at DESC, t.id DESC LIMIT $3`,
    [opts.statuses, opts.since ?? null, opts.limit],
  );
  return r.rows.map((row) => ({
    id: row.id,
    source: row.source,
    externalId: row.external_id,
    ticket: Ticket.parse(row.ticket),
  }));
}

/** Stored tickets by id (a resumed run reads the tickets it selected). */
export async function historyTicketsById(db: Queryable, ids: number[]): Promise<HistoryTicket[]> {
  const r = await db.query<{ id: number; source: string; external_id: string; ticket: unknown }>(
    `SELECT id, source, external_id, ticket FROM tickets WHERE id = ANY($1::bigint[])`,
    [ids],
  );
  const byId = new Map(r.rows.map((row) => [Number(row.id), row]));
  return ids.flatMap((id) => {
    const row = byId.get(id);
    return row
      ? [{ id, source: row.source, externalId: row.external_id, ticket: Ticket.parse(row.ticket) }]
      : [];
  });
}

export interface MiningRun {
  id: number;
  via: 'batches' | 'realtime';
  model: string;
  ticketIds: number[];
  chunks: number;
  batchId: string | null;
  status: 'selected' | 'submitted' | 'proposed' | 'nothing' | 'failed';
}

const RUN_COLUMNS = `id::int, via, model, ticket_ids::int[] AS "ticketIds", chunks,
  batch_id AS "batchId", status`;

export async function insertMiningRun(
  db: Queryable,
  r: {
    via: 'batches' | 'realtime';
    trigger: string;
    model: string;
    since: Date | undefined;
    maxTickets: number;
    ticketIds: number[];
    chunks: number;
  },
): Promise<MiningRun> {
  const res = await db.query<MiningRun>(
    `INSERT INTO pattern_mining_runs (via, trigger, model, since, max_tickets, ticket_ids, chunks)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${RUN_COLUMNS}`,
    [r.via, r.trigger, r.model, r.since ?? null, r.maxTickets, r.ticketIds, r.chunks],
  );
  return res.rows[0] as MiningRun;
}

/** A batch run submitted but never collected (the command stopped while it processed). */
export async function openMiningRun(db: Queryable): Promise<MiningRun | undefined> {
  const r = await db.query<MiningRun>(
    `SELECT ${RUN_COLUMNS} FROM pattern_mining_runs WHERE status = 'submitted'
     ORDER BY id LIMIT 1`,
  );
  return r.rows[0];
}

export async function markMiningSubmitted(db: Queryable, id: number, batchId: string) {
  await db.query(
    `UPDATE pattern_mining_runs SET status = 'submitted', batch_id = $2 WHERE id = $1`,
    [id, batchId],
  );
}

export async function finishMiningRun(
  db: Queryable,
  id: number,
  f: {
    status: 'proposed' | 'nothing' | 'failed';
    proposalId?: number | undefined;
    costUsd: number;
    note: string;
  },
) {
  await db.query(
    `UPDATE pattern_mining_runs SET status = $2, proposal_id = $3, cost_usd = cost_usd + $4,
       note = $5, finished_at = now() WHERE id = $1`,
    [id, f.status, f.proposalId ?? null, f.costUsd.toFixed(8), f.note],
  );
}

/**
 * Tickets (source + ' ' + external id) earlier proposals of `agent` already
 * cited, in the given states: mining the same history again proposes nothing
 * new until new tickets show the problem (decisions/lifecycle.ts coverage).
 */
export async function coveredTicketsOf(
  db: Queryable,
  agent: string,
  states: readonly string[],
): Promise<Set<string>> {
  const r = await db.query<{ t: string }>(
    `SELECT DISTINCT unnest(covered_tickets) AS t FROM prompt_proposals
     WHERE agent = $1 AND status = ANY($2::text[])`,
    [agent, states],
  );
  return new Set(r.rows.map((x) => x.t));
}
