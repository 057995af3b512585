import type { Verdict } from '../context/verdict.js';
import type { Ticket } from '../ticket/schema.js';
import { audit } from './audit.js';
import type { Pool, Queryable } from './pool.js';
import { withTransaction } from './pool.js';

/** Escalations for the pages and the CLI: one set of queries, one set of actions. */

export const ESCALATION_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type EscalationStatus = (typeof ESCALATION_STATUSES)[number];

export interface EscalationFilter {
  /** 'active' = open or acknowledged: what still needs a lead. */
  status?: EscalationStatus | 'active' | 'all';
  rule?: string | undefined;
  olderThanMs?: number | undefined;
  newerThanMs?: number | undefined;
  limit?: number;
}

export interface EscalationRow {
  id: number;
  rule: string;
  reason: string;
  status: EscalationStatus;
  createdAt: Date;
  updatedAt: Date;
  resolvedBy: string | null;
  resolutionNote: string | null;
  ticketId: number;
  resultId: number;
  source: string;
  externalId: string;
  subject: string;
  assignee: string | null;
  outcome: string;
  score: number;
}

const SELECT = `
  SELECT e.id, e.rule, e.reason, e.status, e.created_at AS "createdAt", e.updated_at AS "updatedAt",
         e.resolved_by AS "resolvedBy", e.resolution_note AS "resolutionNote",
         e.ticket_id AS "ticketId", e.result_id AS "resultId", t.source, t.external_id AS "externalId",
         t.subject, t.assignee, r.outcome, r.score
  FROM escalations e JOIN tickets t ON t.id = e.ticket_id JOIN qc_results r ON r.id = e.result_id`;

export async function listEscalations(
  db: Queryable,
  f: EscalationFilter,
  now: Date,
): Promise<EscalationRow[]> {
  const where: string[] = ['true'];
  const params: unknown[] = [];
  const status = f.status ?? 'active';
  if (status === 'active') where.push(`e.status IN ('open', 'acknowledged')`);
  else if (status !== 'all') where.push(`e.status = $${params.push(status)}`);
  if (f.rule) where.push(`e.rule = $${params.push(f.rule)}`);
  if (f.olderThanMs)
    where.push(`e.created_at <= $${params.push(new Date(now.getTime() - f.olderThanMs))}`);
  if (f.newerThanMs)
    where.push(`e.created_at >= $${params.push(new Date(now.getTime() - f.newerThanMs))}`);
  // Oldest first while work is pending (it has waited longest); newest first otherwise.
  const order = status === 'resolved' || status === 'all' ? 'DESC' : 'ASC';
  const r = await db.query<EscalationRow>(
    `${SELECT} WHERE ${where.join(' AND ')} ORDER BY e.created_at ${order}, e.id ${order}
     LIMIT $${params.push(f.limit ?? 200)}`,
    params,
  );
  return r.rows;
}

export async function escalationCounts(
  db: Queryable,
): Promise<{ rule: string; status: string; n: number }[]> {
  const r = await db.query<{ rule: string; status: string; n: number }>(
    'SELECT rule, status, count(*)::int AS n FROM escalations GROUP BY rule, status ORDER BY rule',
  );
  return r.rows;
}

export interface ResultDetail {
  resultId: number;
  ticketId: number;
  ticket: Ticket;
  verdict: Verdict;
  model: string;
  tier: string;
  tierReason: string | null;
  gradedAt: Date;
  contextVersion: string;
}

export async function getResult(
  db: Queryable,
  resultId: number,
): Promise<ResultDetail | undefined> {
  const r = await db.query<ResultDetail>(
    `SELECT r.id AS "resultId", r.ticket_id AS "ticketId", t.ticket, r.verdict, r.model, r.tier,
            r.tier_reason AS "tierReason", r.graded_at AS "gradedAt", r.context_version AS "contextVersion"
     FROM qc_results r JOIN tickets t ON t.id = r.ticket_id WHERE r.id = $1`,
    [resultId],
  );
  return r.rows[0];
}

export async function getEscalation(
  db: Queryable,
  id: number,
): Promise<
  { escalation: EscalationRow; result: ResultDetail; siblings: EscalationRow[] } | undefined
> {
  const e = (await db.query<EscalationRow>(`${SELECT} WHERE e.id = $1`, [id])).rows[0];
  if (!e) return undefined;
  const result = await getResult(db, e.resultId);
  if (!result) return undefined;
  const siblings = (
    await db.query<EscalationRow>(`${SELECT} WHERE e.result_id = $1 AND e.id <> $2`, [
      e.resultId,
      id,
    ])
  ).rows;
  return { escalation: e, result, siblings };
}

export interface Actor {
  name: string;
  role: string;
  via: 'web' | 'cli';
}

/**
 * Moves an escalation forward (never back: a resolved one stays resolved) and
 * records who did it in the same transaction. Returns false when nothing changed.
 */
export async function updateEscalation(
  pool: Pool,
  id: number,
  to: 'acknowledged' | 'resolved',
  actor: Actor,
  note: string,
): Promise<boolean> {
  return withTransaction(pool, async (c) => {
    const from = to === 'resolved' ? ['open', 'acknowledged'] : ['open'];
    const r = await c.query(
      `UPDATE escalations SET status = $2, updated_at = now(),
         resolved_by = CASE WHEN $2 = 'resolved' THEN $3 ELSE resolved_by END,
         resolution_note = CASE WHEN $2 = 'resolved' THEN $4 ELSE resolution_note END
       WHERE id = $1 AND status = ANY($5::text[])`,
      [id, to, actor.name, note || null, from],
    );
    if (!r.rowCount) return false;
    const action = to === 'resolved' ? 'escalation.resolve' : 'escalation.acknowledge';
    await audit(c, {
      actor: actor.name,
      role: actor.role,
      via: actor.via,
      action,
      target: `escalation:${id}`,
      note,
    });
    return true;
  });
}

/** An escalation raised by a verdict; once per (result, rule). */
export async function insertEscalation(
  db: Queryable,
  e: { resultId: number; ticketId: number; rule: string; reason: string },
): Promise<void> {
  await db.query(
    `INSERT INTO escalations (result_id, ticket_id, rule, reason) VALUES ($1, $2, $3, $4)
     ON CONFLICT (result_id, rule) DO NOTHING`,
    [e.resultId, e.ticketId, e.rule, e.reason],
  );
}
