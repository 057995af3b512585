import {
  type Actor,
  ESCALATION_STATUSES,
  type EscalationFilter,
  getEscalation,
  listEscalations,
  updateEscalation,
} from '../../db/escalations.js';
import type { Pool } from '../../db/pool.js';
import { age, dateTime, printable, textTable } from '../../format/display.js';

/** `ticket-qc escalations list|show|resolve`: the Escalations page for a terminal. */

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function statusOption(v: string): EscalationFilter['status'] {
  const all = ['active', 'all', ...ESCALATION_STATUSES];
  if (!all.includes(v)) throw new Error(`--status is one of ${all.join(', ')}`);
  return v as EscalationFilter['status'];
}

export async function escalationsTable(
  pool: Pool,
  f: EscalationFilter,
  now: Date,
): Promise<string> {
  const rows = await listEscalations(pool, f, now);
  if (rows.length === 0) return 'no escalations match';
  return textTable(
    ['id', 'waiting', 'status', 'rule', 'ticket', 'technician', 'reason'],
    rows.map((r) => [
      String(r.id),
      r.status === 'resolved' ? '—' : age(r.createdAt, now),
      r.status,
      r.rule,
      `${r.source}#${r.externalId}`,
      r.assignee ?? '',
      clip(r.reason.replace(/\s+/g, ' '), 60),
    ]),
  );
}

export async function escalationText(pool: Pool, id: number): Promise<string> {
  const found = await getEscalation(pool, id);
  if (!found) throw new Error(`no escalation #${id}`);
  const { escalation: e, result: r, siblings } = found;
  const t = r.ticket;
  const lines = [
    `Escalation #${e.id}  ${e.rule}  [${e.status}]  raised ${dateTime(e.createdAt)}`,
    `Reason: ${e.reason}`,
    ...(e.status === 'resolved' ? [`Resolved by ${e.resolvedBy}: ${e.resolutionNote ?? ''}`] : []),
    ...(siblings.length
      ? [`Also on this ticket: ${siblings.map((s) => `#${s.id} ${s.rule}`).join(', ')}`]
      : []),
    '',
    `Ticket ${t.source}#${t.externalId} (id ${r.ticketId}): ${t.subject}`,
    `  status ${t.status} · priority ${t.priority} · technician ${t.assignee?.name ?? '—'} · requester ${t.requester?.name ?? '—'}`,
    '',
    `Verdict: ${r.verdict.outcome} · score ${r.verdict.score} · confidence ${r.verdict.confidence} · ${r.model} (${r.tier})`,
    `  ${r.verdict.summary}`,
    '',
    textTable(
      ['criterion', 'result', 'evidence', 'missing'],
      r.verdict.criteria.map((c) => [
        c.criterion,
        c.result,
        clip(c.evidence, 50),
        clip(c.missing, 50),
      ]),
    ),
  ];
  return printable(lines.join('\n'), true);
}

/** The escalation and its verdict as data, for `show --json`. */
export async function escalationJson(pool: Pool, id: number): Promise<unknown> {
  const found = await getEscalation(pool, id);
  if (!found) throw new Error(`no escalation #${id}`);
  const { escalation: e, result: r, siblings } = found;
  return {
    escalation: e,
    ticket: { source: r.ticket.source, externalId: r.ticket.externalId, subject: r.ticket.subject },
    verdict: r.verdict,
    model: r.model,
    siblings: siblings.map((s) => ({ id: s.id, rule: s.rule, status: s.status })),
  };
}

/**
 * Acknowledges or resolves escalations. Every id must exist (a typo is an
 * error, exit 1, and nothing changes); one already in that state is said so.
 */
export async function moveFromCli(
  pool: Pool,
  ids: number[],
  to: 'acknowledge' | 'resolve',
  note: string,
  actor: Actor,
): Promise<string> {
  if (to === 'resolve' && !note.trim()) throw new Error('--note is required: say what was done');
  const found = await Promise.all(ids.map((id) => getEscalation(pool, id)));
  const missing = ids.filter((_, i) => !found[i]);
  if (missing.length) throw new Error(`no escalation ${missing.map((m) => `#${m}`).join(', ')}`);
  const lines: string[] = [];
  for (const [i, id] of ids.entries()) {
    const e = found[i]?.escalation;
    const changed = await updateEscalation(
      pool,
      id,
      to === 'resolve' ? 'resolved' : 'acknowledged',
      actor,
      note,
    );
    const where = e ? ` (${e.source}#${e.externalId}, ${e.rule})` : '';
    lines.push(
      changed
        ? `escalation #${id}${where} ${to === 'resolve' ? 'resolved' : 'acknowledged'} by ${actor.name}`
        : `escalation #${id}${where} was already ${e?.status ?? 'in that state'}: nothing changed`,
    );
  }
  return lines.join('\n');
}
