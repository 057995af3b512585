import type { Queryable } from './pool.js';

/** prompt_proposals rows, as the chief writes them and reviewers read them. */

export type ProposalStatus =
  | 'pending'
  | 'approved'
  | 'rejected'
  | 'dismissed'
  | 'refused'
  | 'superseded'
  | 'no_improvement'
  | 'not_a_context_problem';

export interface NewProposal {
  agent: string;
  category: string;
  file: string;
  baseVersion: number;
  baseSha256: string;
  proposedContent: string | null;
  diff: string | null;
  rationale: string | null;
  answer: 'more_context' | 'rewrite' | 'not_a_context_problem' | null;
  status: 'pending' | 'refused' | 'no_improvement' | 'not_a_context_problem';
  refusalReason: string | null;
  coveredEventIds: number[];
  /** Ticket keys (source, external id) the evidence came from. */
  coveredTickets: string[];
  coveredUntil: Date;
  ticketCount: number;
  evidence: unknown;
  backtest: unknown;
  strength: unknown;
  model: string;
  costUsd: number;
}

export interface Proposal {
  id: number;
  agent: string;
  category: string;
  file: string;
  baseVersion: number;
  baseSha256: string | null;
  proposedContent: string | null;
  diff: string | null;
  rationale: string | null;
  answer: string | null;
  status: ProposalStatus;
  refusalReason: string | null;
  coveredEventIds: number[];
  coveredTickets: string[];
  coveredUntil: Date | null;
  ticketCount: number;
  evidence: Record<string, unknown>;
  backtest: Record<string, unknown> | null;
  strength: Record<string, unknown> | null;
  model: string | null;
  costUsd: string;
  decidedBy: string | null;
  decisionNote: string | null;
  decidedAt: Date | null;
  createdVersion: number | null;
  createdAt: Date;
}

const COLUMNS = `id, agent, category, file, base_version AS "baseVersion", base_sha256 AS "baseSha256",
  proposed_content AS "proposedContent", diff, rationale, answer, status,
  refusal_reason AS "refusalReason", covered_event_ids AS "coveredEventIds",
  covered_tickets AS "coveredTickets", strength,
  covered_until AS "coveredUntil", ticket_count AS "ticketCount", evidence, backtest, model,
  cost_usd AS "costUsd", decided_by AS "decidedBy", decision_note AS "decisionNote",
  decided_at AS "decidedAt", created_version AS "createdVersion", created_at AS "createdAt"`;

export async function insertProposal(db: Queryable, p: NewProposal): Promise<number> {
  const r = await db.query<{ id: number }>(
    `INSERT INTO prompt_proposals (agent, category, file, base_version, base_sha256,
       proposed_content, diff, rationale, answer, status, refusal_reason, covered_event_ids,
       covered_until, ticket_count, evidence, backtest, model, cost_usd, covered_tickets, strength)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
             $19, $20)
     RETURNING id`,
    [
      p.agent,
      p.category,
      p.file,
      p.baseVersion,
      p.baseSha256,
      p.proposedContent,
      p.diff,
      p.rationale,
      p.answer,
      p.status,
      p.refusalReason,
      p.coveredEventIds,
      p.coveredUntil,
      p.ticketCount,
      JSON.stringify(p.evidence),
      p.backtest === null ? null : JSON.stringify(p.backtest),
      p.model,
      p.costUsd.toFixed(8),
      p.coveredTickets,
      p.strength === null || p.strength === undefined ? null : JSON.stringify(p.strength),
    ],
  );
  const id = r.rows[0]?.id;
  if (id === undefined) throw new Error('insert into prompt_proposals returned no id');
  return id;
}

export async function getProposal(
  db: Queryable,
  id: number,
  opts: { forUpdate?: boolean } = {},
): Promise<Proposal | undefined> {
  const r = await db.query<Proposal>(
    `SELECT ${COLUMNS} FROM prompt_proposals WHERE id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return r.rows[0];
}

export async function listProposals(
  db: Queryable,
  opts: {
    status?: ProposalStatus | readonly ProposalStatus[];
    limit?: number;
    /** Keyset paging: only proposals older than this one. */
    beforeId?: number | undefined;
  } = {},
): Promise<Proposal[]> {
  const statuses =
    opts.status === undefined
      ? null
      : typeof opts.status === 'string'
        ? [opts.status]
        : opts.status;
  const r = await db.query<Proposal>(
    `SELECT ${COLUMNS} FROM prompt_proposals
     WHERE ($1::text[] IS NULL OR status = ANY($1::text[]))
       AND ($3::bigint IS NULL OR (created_at, id) <
            (SELECT created_at, id FROM prompt_proposals WHERE id = $3))
     ORDER BY created_at DESC, id DESC LIMIT $2`,
    [statuses, opts.limit ?? 50, opts.beforeId ?? null],
  );
  return r.rows;
}

/** How far the newest refused proposal of a pair covered its failures, if any was refused. */
export async function lastRefusalCoverage(
  db: Queryable,
  agent: string,
  category: string,
): Promise<Date | undefined> {
  const r = await db.query<{ covered_until: Date }>(
    `SELECT covered_until FROM prompt_proposals WHERE agent = $1 AND category = $2
       AND status = 'refused' ORDER BY id DESC LIMIT 1`,
    [agent, category],
  );
  return r.rows[0]?.covered_until;
}

export async function markApproved(
  db: Queryable,
  id: number,
  d: { reviewer: string; note: string | null; createdVersion: number },
): Promise<void> {
  await db.query(
    `UPDATE prompt_proposals SET status = 'approved', decided_by = $2, decision_note = $3,
       decided_at = now(), created_version = $4 WHERE id = $1`,
    [id, d.reviewer, d.note, d.createdVersion],
  );
}

/** A lead's closing decision (rejected or dismissed); the lifecycle check is the caller's. */
export async function markClosed(
  db: Queryable,
  id: number,
  d: { status: 'rejected' | 'dismissed'; reviewer: string; note: string | null },
): Promise<void> {
  await db.query(
    `UPDATE prompt_proposals SET status = $4, decided_by = $2, decision_note = $3,
       decided_at = now() WHERE id = $1`,
    [id, d.reviewer, d.note, d.status],
  );
}

/** The pending proposals of a file other than `exceptId`, locked for a re-check. */
export async function pendingOfFile(
  db: Queryable,
  file: string,
  exceptId?: number,
): Promise<Proposal[]> {
  const r = await db.query<Proposal>(
    `SELECT ${COLUMNS} FROM prompt_proposals WHERE file = $1 AND status = 'pending'
       AND ($2::bigint IS NULL OR id <> $2) ORDER BY id FOR UPDATE`,
    [file, exceptId ?? null],
  );
  return r.rows;
}

/** A pending proposal moved onto a new base version (its change still applies there). */
export async function rebaseProposal(
  db: Queryable,
  id: number,
  p: {
    baseVersion: number;
    baseSha256: string;
    proposedContent: string;
    diff: string;
    note: string;
  },
): Promise<void> {
  await db.query(
    `UPDATE prompt_proposals SET base_version = $2, base_sha256 = $3, proposed_content = $4,
       diff = $5, decision_note = $6 WHERE id = $1 AND status = 'pending'`,
    [id, p.baseVersion, p.baseSha256, p.proposedContent, p.diff, p.note],
  );
}

/** A pending proposal closed by the system, with the reason. */
export async function markSuperseded(db: Queryable, id: number, note: string): Promise<void> {
  await db.query(
    `UPDATE prompt_proposals SET status = 'superseded', decided_at = now(), decision_note = $2
     WHERE id = $1 AND status = 'pending'`,
    [id, note],
  );
}

/**
 * Supersedes the pending proposals of a file (their diffs were computed
 * against text that is no longer active), except `exceptId`; returns their ids.
 */
export async function supersedePending(
  db: Queryable,
  file: string,
  note: string,
  exceptId?: number,
): Promise<number[]> {
  const r = await db.query<{ id: number }>(
    `UPDATE prompt_proposals SET status = 'superseded', decided_at = now(), decision_note = $2
     WHERE file = $1 AND status = 'pending' AND ($3::bigint IS NULL OR id <> $3) RETURNING id`,
    [file, note, exceptId ?? null],
  );
  return r.rows.map((x) => x.id);
}
