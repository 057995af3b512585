import { audit } from './audit.js';
import { type Pool, type Queryable, withTransaction } from './pool.js';

/**
 * Erasure of personal data (`ticket-qc erase`, retention): every version of
 * the selected tickets with their results, escalations, overrides, gold
 * labels and batch requests (ON DELETE CASCADE), every agent_events row about
 * them or naming the customer, and the customer's address in proposal
 * evidence. Paid model calls stay — spend must never be under-reported — but
 * lose their link to the ticket and keep only cost fields.
 *
 * The audit row records what was erased (internal ids, counts, the kind of
 * selector), never the address or the ticket's external id.
 */

export type EraseSelector =
  | { kind: 'customer'; email: string }
  | { kind: 'ticket'; source: string; externalId: string }
  | { kind: 'retention'; olderThanMs: number };

export interface EraseCounts {
  tickets: number;
  results: number;
  escalations: number;
  overrides: number;
  goldLabels: number;
  events: number;
  costEventsDetached: number;
  proposalsScrubbed: number;
}

export interface EraseResult {
  ticketIds: number[];
  counts: EraseCounts;
}

/** Every version of every ticket the selector names (a match on one version takes them all). */
async function selectTickets(db: Queryable, sel: EraseSelector): Promise<number[]> {
  const sql =
    sel.kind === 'customer'
      ? // The requester, or the whole address anywhere in the ticket (a cc, a comment, a
        // signature) — never a longer address that contains it (jimbob@… for bob@…).
        `SELECT DISTINCT source, external_id FROM tickets
          WHERE lower(ticket->'requester'->>'email') = lower($1)
             OR ticket::text ~* $2`
      : sel.kind === 'ticket'
        ? 'SELECT DISTINCT source, external_id FROM tickets WHERE source = $1 AND external_id = $2'
        : // Retention: the newest version of the ticket arrived before the window.
          `SELECT source, external_id FROM tickets GROUP BY source, external_id
            HAVING max(received_at) < now() - make_interval(secs => $1::double precision / 1000)`;
  const params =
    sel.kind === 'customer'
      ? [sel.email, addressPattern(sel.email)]
      : sel.kind === 'ticket'
        ? [sel.source, sel.externalId]
        : [sel.olderThanMs];
  const r = await db.query<{ id: string }>(
    `SELECT t.id FROM tickets t JOIN (${sql}) k USING (source, external_id) ORDER BY t.id`,
    params,
  );
  return r.rows.map((x) => Number(x.id));
}

const count = async (db: Queryable, sql: string, params: unknown[]) =>
  Number((await db.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0);

export async function eraseTickets(
  pool: Pool,
  sel: EraseSelector,
  who: { actor: string; role: string; via: 'cli' | 'system' | 'web' },
): Promise<EraseResult> {
  return withTransaction(pool, async (db) => {
    const ids = await selectTickets(db, sel);
    if (ids.length === 0 && sel.kind === 'retention') return { ticketIds: [], counts: zero() };
    const email = sel.kind === 'customer' ? addressPattern(sel.email) : null;
    const results = (
      await db.query<{ id: string }>('SELECT id FROM qc_results WHERE ticket_id = ANY($1)', [ids])
    ).rows.map((r) => Number(r.id));
    const counts: EraseCounts = {
      tickets: ids.length,
      results: results.length,
      escalations: await count(db, 'SELECT count(*) n FROM escalations WHERE ticket_id = ANY($1)', [
        ids,
      ]),
      overrides: await count(db, 'SELECT count(*) n FROM overrides WHERE ticket_id = ANY($1)', [
        ids,
      ]),
      goldLabels: await count(db, 'SELECT count(*) n FROM gold_labels WHERE ticket_id = ANY($1)', [
        ids,
      ]),
      events: 0,
      costEventsDetached: 0,
      proposalsScrubbed: 0,
    };
    // Paid calls: keep the money, drop the link and anything but the outcome.
    const detached = await db.query(
      `UPDATE agent_events
          SET ticket_id = NULL, result_id = NULL, job_id = NULL,
              details = jsonb_build_object('outcome', details->'outcome', 'erased', true)
        WHERE kind = 'llm_call'
          AND (ticket_id = ANY($1) OR result_id = ANY($2)
               OR ($3::text IS NOT NULL AND details::text ~* $3))`,
      [ids, results, email],
    );
    counts.costEventsDetached = detached.rowCount ?? 0;
    const events = await db.query(
      `DELETE FROM agent_events
        WHERE kind <> 'llm_call'
          AND (ticket_id = ANY($1) OR result_id = ANY($2)
               OR ($3::text IS NOT NULL AND details::text ~* $3))`,
      [ids, results, email],
    );
    counts.events = events.rowCount ?? 0;
    if (email) {
      // Proposal evidence quotes tickets; the proposal itself stays reviewable.
      const scrubbed = await db.query(
        `UPDATE prompt_proposals
            SET evidence = regexp_replace(evidence::text, $1, '[erased]', 'gi')::jsonb
          WHERE evidence::text ~* $1`,
        [email],
      );
      counts.proposalsScrubbed = scrubbed.rowCount ?? 0;
    }
    // Cascades: qc_results, escalations, overrides, gold_labels, batch_requests.
    await db.query('DELETE FROM tickets WHERE id = ANY($1)', [ids]);
    await audit(db, {
      actor: who.actor,
      role: who.role,
      via: who.via,
      action: sel.kind === 'retention' ? 'privacy.retention' : 'privacy.erase',
      target: `tickets:${ids.length}`,
      details: {
        selector: sel.kind,
        ...(sel.kind === 'retention' ? { olderThanMs: sel.olderThanMs } : {}),
        ticketIds: ids.slice(0, 1000),
        resultIds: results.slice(0, 1000),
        counts,
      },
    });
    return { ticketIds: ids, counts };
  });
}

const zero = (): EraseCounts => ({
  tickets: 0,
  results: 0,
  escalations: 0,
  overrides: 0,
  goldLabels: 0,
  events: 0,
  costEventsDetached: 0,
  proposalsScrubbed: 0,
});

/**
 * The address as a whole token, case-insensitive (PostgreSQL ARE, used with
 * `~*`): not preceded by a character an address can hold, and not followed
 * by one — a dot only when it ends a sentence, so `bob@acme.com` matches
 * "write to bob@acme.com." but neither `jimbob@acme.com` nor `bob@acme.com.au`.
 */
function addressPattern(email: string): string {
  // In JSON text a line break before the address reads `\n`: that `n` is no part of it.
  return `(?:(?<![a-z0-9._%+-])|(?<=\\\\[nrt]))${escapeRegex(email)}(?![a-z0-9_%+-]|\\.[a-z0-9])`;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Retention for the observability table, in chunks so no statement holds locks for long. */
export async function deleteEventsOlderThan(
  pool: Pool,
  olderThanMs: number,
  chunk = 10_000,
): Promise<number> {
  let total = 0;
  for (;;) {
    const r = await pool.query(
      `DELETE FROM agent_events WHERE id IN (
         SELECT id FROM agent_events
          WHERE occurred_at < now() - make_interval(secs => $1::double precision / 1000)
          LIMIT $2)`,
      [olderThanMs, chunk],
    );
    total += r.rowCount ?? 0;
    if ((r.rowCount ?? 0) < chunk) break;
  }
  if (total > 0) {
    await audit(pool, {
      actor: 'retention',
      role: 'system',
      via: 'system',
      action: 'privacy.retention',
      target: 'agent_events',
      details: { olderThanMs, events: total },
    });
  }
  return total;
}
