import type { Queryable } from './pool.js';

/**
 * The Tickets page's read model (migration 016): one row per graded help-desk
 * ticket, kept current by triggers. Pages are a keyset on (ticket_at, id),
 * newest first: the cursor is the last row's pair, so any page is one index
 * range scan however deep it is (bench/tickets.bench.ts shows the plan at a
 * million rows).
 */

export const TICKET_OUTCOMES = ['pass', 'fail', 'escalate'] as const;

export interface TicketFilter {
  /** Words matched against subject, help-desk id, technician, customer, category; or an exact help-desk id. */
  q?: string | undefined;
  /** Match `q` as a help-desk id only (listTickets tries this first for a single word). */
  exactId?: boolean | undefined;
  outcome?: (typeof TICKET_OUTCOMES)[number] | undefined;
  technician?: string | undefined;
  category?: string | undefined;
  escalated?: boolean | undefined;
  overridden?: boolean | undefined;
  /** Only tickets with at least one criterion missing or partial. */
  missed?: boolean | undefined;
}

/** The last row's (ticket_at, id); `at` is kept to the microsecond as PostgreSQL has it. */
export interface TicketCursor {
  at: string;
  id: number;
}

export interface TicketListRow {
  id: number;
  source: string;
  externalId: string;
  ticketId: number;
  resultId: number;
  subject: string;
  technician: string | null;
  technicianKey: string | null;
  customer: string | null;
  category: string | null;
  outcome: string;
  score: number;
  missed: string[];
  escalated: boolean;
  openEscalation: boolean;
  overridden: boolean;
  contextVersion: string;
  versions: number;
  ticketAt: Date;
  gradedAt: Date;
  cursorAt: string;
}

const COLUMNS = `id, source, external_id AS "externalId", ticket_id AS "ticketId", result_id AS "resultId",
  subject, technician, technician_key AS "technicianKey", customer, category, outcome, score, missed,
  escalated, open_escalation AS "openEscalation", overridden, context_version AS "contextVersion",
  versions, ticket_at AS "ticketAt", graded_at AS "gradedAt",
  to_char(ticket_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "cursorAt"`;

/** The WHERE clause and parameters of a filter; exported for the bench's EXPLAIN. */
export function ticketQuery(
  f: TicketFilter,
  after: TicketCursor | undefined,
  limit: number,
): { sql: string; params: unknown[] } {
  const where: string[] = ['true'];
  const params: unknown[] = [];
  const q = f.q?.trim();
  // Two separate conditions, never OR-ed: each has its own index (an OR of the
  // two makes PostgreSQL walk the date index and filter: seconds at a million rows).
  if (q && f.exactId) where.push(`lower(external_id) = lower($${params.push(q)})`);
  else if (q) where.push(`search @@ plainto_tsquery('simple', $${params.push(q)})`);
  if (f.outcome) where.push(`outcome = $${params.push(f.outcome)}`);
  if (f.technician) where.push(`technician_key = $${params.push(f.technician)}`);
  if (f.category) where.push(`category = $${params.push(f.category)}`);
  if (f.escalated !== undefined) where.push(f.escalated ? 'escalated' : 'NOT escalated');
  if (f.overridden !== undefined) where.push(f.overridden ? 'overridden' : 'NOT overridden');
  if (f.missed) where.push(`cardinality(missed) > 0`);
  if (after) {
    const a = params.push(after.at);
    const i = params.push(after.id);
    where.push(`(ticket_at, id) < ($${a}::timestamptz, $${i}::bigint)`);
  }
  const sql = `SELECT ${COLUMNS} FROM ticket_index WHERE ${where.join(' AND ')}
    ORDER BY ticket_at DESC, id DESC LIMIT $${params.push(limit)}`;
  return { sql, params };
}

/** One page, and the cursor of the next one when there is one. */
export async function listTickets(
  db: Queryable,
  f: TicketFilter,
  after?: TicketCursor,
  limit = 50,
): Promise<{ rows: TicketListRow[]; next: TicketCursor | undefined }> {
  // One word may be a help-desk id ("INC0012345", "4711"): an exact hit is what the lead meant.
  const q = f.q?.trim();
  if (q && !f.exactId && !/\s/.test(q)) {
    const exact = await listTickets(db, { ...f, exactId: true }, after, limit);
    if (exact.rows.length > 0) return exact;
  }
  const { sql, params } = ticketQuery(f, after, limit + 1);
  const r = await db.query<TicketListRow>(sql, params);
  const rows = r.rows.slice(0, limit);
  const last = rows[rows.length - 1];
  return {
    rows,
    next: r.rows.length > limit && last ? { at: last.cursorAt, id: Number(last.id) } : undefined,
  };
}

/** The filter menus: technicians and categories that occur, with how many tickets each. */
export async function ticketFacets(db: Queryable): Promise<{
  technicians: { key: string; name: string; n: number }[];
  categories: { category: string; n: number }[];
}> {
  const t = await db.query<{ key: string; name: string; n: number }>(
    `SELECT technician_key AS key, coalesce(max(technician), technician_key) AS name, count(*)::int AS n
     FROM ticket_index WHERE technician_key IS NOT NULL GROUP BY technician_key ORDER BY 2 LIMIT 500`,
  );
  const c = await db.query<{ category: string; n: number }>(
    `SELECT category, count(*)::int AS n FROM ticket_index WHERE category IS NOT NULL
     GROUP BY category ORDER BY category LIMIT 500`,
  );
  return { technicians: t.rows, categories: c.rows };
}

/** A help-desk ticket by its key, or by one of its version ids. */
export async function ticketKeyOf(
  db: Queryable,
  versionId: number,
): Promise<{ source: string; externalId: string } | undefined> {
  const r = await db.query<{ source: string; externalId: string }>(
    'SELECT source, external_id AS "externalId" FROM tickets WHERE id = $1',
    [versionId],
  );
  return r.rows[0];
}

/** Help-desk ids of the given ticket versions, by version id. */
export async function helpDeskIds(
  db: Queryable,
  ids: number[],
): Promise<Map<number, { source: string; externalId: string; subject: string }>> {
  if (ids.length === 0) return new Map();
  const r = await db.query<{ id: number; source: string; externalId: string; subject: string }>(
    `SELECT id, source, external_id AS "externalId", subject FROM tickets WHERE id = ANY($1::bigint[])`,
    [ids],
  );
  return new Map(r.rows.map((x) => [Number(x.id), x]));
}
