import type { Queryable } from './pool.js';

/** Everything the ticket page shows about one help-desk ticket, across its versions. */

export interface TicketVersionRow {
  id: number;
  contentHash: string;
  status: string;
  qcStatus: string;
  subject: string;
  updatedAt: Date;
  receivedAt: Date;
}

export interface TicketResultRow {
  id: number;
  ticketId: number;
  outcome: string;
  score: number;
  model: string;
  tier: string;
  via: string;
  contextVersion: string;
  gradedAt: Date;
  costUsd: number;
}

export interface TicketOverrideRow {
  id: number;
  resultId: number;
  criterion: string | null;
  original: string;
  corrected: string;
  reason: string;
  reviewer: string;
  createdAt: Date;
}

export interface TicketEscalationRow {
  id: number;
  resultId: number;
  ticketId: number;
  rule: string;
  status: string;
  reason: string;
  resolvedBy: string | null;
  resolutionNote: string | null;
  createdAt: Date;
}

export interface WritebackRow {
  id: number;
  kind: string;
  status: string;
  noteKind: string | null;
  attempts: number;
  reason: string | null;
  updatedAt: Date;
  deliveredAt: Date | null;
}

export interface TicketPageData {
  source: string;
  externalId: string;
  versions: TicketVersionRow[];
  results: TicketResultRow[];
  overrides: TicketOverrideRow[];
  escalations: TicketEscalationRow[];
  cost: { purpose: string; calls: number; costUsd: number }[];
  /** undefined: this database has no write-back table yet (issue 15). */
  writeback: WritebackRow[] | undefined;
}

export async function ticketPage(
  db: Queryable,
  source: string,
  externalId: string,
): Promise<TicketPageData | undefined> {
  const versions = (
    await db.query<TicketVersionRow>(
      `SELECT id, content_hash AS "contentHash", status, qc_status AS "qcStatus", subject,
              ticket_updated_at AS "updatedAt", received_at AS "receivedAt"
       FROM tickets WHERE source = $1 AND external_id = $2 ORDER BY ticket_updated_at DESC, id DESC`,
      [source, externalId],
    )
  ).rows;
  if (versions.length === 0) return undefined;
  const ids = versions.map((v) => v.id);
  const [results, overrides, escalations, cost] = await Promise.all([
    db.query<TicketResultRow>(
      `SELECT id, ticket_id AS "ticketId", outcome, score, model, tier, via, context_version AS "contextVersion",
              graded_at AS "gradedAt", cost_usd::float8 AS "costUsd"
       FROM qc_results WHERE ticket_id = ANY($1::bigint[]) ORDER BY graded_at DESC, id DESC`,
      [ids],
    ),
    db.query<TicketOverrideRow>(
      `SELECT id, result_id AS "resultId", criterion, original, corrected, reason, reviewer, created_at AS "createdAt"
       FROM overrides WHERE ticket_id = ANY($1::bigint[]) ORDER BY created_at DESC, id DESC`,
      [ids],
    ),
    db.query<TicketEscalationRow>(
      `SELECT id, result_id AS "resultId", ticket_id AS "ticketId", rule, status, reason,
              resolved_by AS "resolvedBy", resolution_note AS "resolutionNote", created_at AS "createdAt"
       FROM escalations WHERE ticket_id = ANY($1::bigint[]) ORDER BY created_at DESC, id DESC`,
      [ids],
    ),
    db.query<{ purpose: string; calls: number; costUsd: number }>(
      `SELECT coalesce(purpose, kind) AS purpose, count(*)::int AS calls, sum(cost_usd)::float8 AS "costUsd"
       FROM agent_events WHERE ticket_id = ANY($1::bigint[]) AND kind = 'llm_call'
       GROUP BY 1 ORDER BY 3 DESC`,
      [ids],
    ),
  ]);
  return {
    source,
    externalId,
    versions,
    results: results.rows,
    overrides: overrides.rows,
    escalations: escalations.rows,
    cost: cost.rows,
    writeback: await writebackOf(db, source, externalId),
  };
}

/**
 * Write-back state (issue 15's outbox). Its table may not be in this database
 * yet: then there is nothing to show, and the page says so.
 */
async function writebackOf(
  db: Queryable,
  source: string,
  externalId: string,
): Promise<WritebackRow[] | undefined> {
  const exists = await db.query<{ t: string | null }>(
    `SELECT to_regclass('writeback_outbox')::text AS t`,
  );
  if (!exists.rows[0]?.t) return undefined;
  const r = await db.query<WritebackRow>(
    `SELECT id, kind, status, note_kind AS "noteKind", attempts, reason, updated_at AS "updatedAt",
            delivered_at AS "deliveredAt"
     FROM writeback_outbox WHERE source = $1 AND external_id = $2 ORDER BY id DESC LIMIT 20`,
    [source, externalId],
  );
  return r.rows;
}
