import type { Queryable } from '../db/pool.js';
import { ticketsWithLatestVerdict } from '../db/results.js';
import type { Candidate, CandidateEvent } from './detect.js';

/**
 * What the chief shows Sonnet and stores with the proposal: per ticket an
 * excerpt, the verdict that stands, and what each failure said. Bounded, so
 * a pair with hundreds of failures still makes a small request; every event
 * id stays covered either way.
 */

const MAX_EVIDENCE_TICKETS = 10;
const EXCERPT_CHARS = 600;

export interface FailureNote {
  eventId: number;
  kind: string;
  note?: string;
  /** Overrides and shadow disagreements say what the right answer was. */
  criterion?: string;
  from?: string;
  to?: string;
  quote?: string;
  reviewer?: string;
}

export interface TicketEvidence {
  ticketId: number;
  externalId: string;
  subject: string;
  excerpt: string;
  triage?: { by: string; notes: string };
  verdict?: {
    outcome: string;
    score: number;
    summary: string;
    missing: string[];
    criterion?: { id: string; result: string; evidence: string; missing: string };
  };
  failures: FailureNote[];
}

export interface Evidence {
  agent: string;
  category: string;
  file: string;
  window: { from: string; to: string };
  /** Failures counted once per ticket (a regrade repeats a ticket's failures, not the failure). */
  failureCount: number;
  /** The failure events behind them. */
  events?: number;
  ticketCount: number;
  tickets: TicketEvidence[];
}

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

function noteOf(e: CandidateEvent): FailureNote {
  const d = e.details;
  const n: FailureNote = { eventId: e.id, kind: str(d.kind) ?? 'failure' };
  const fields: Array<[keyof FailureNote, unknown]> = [
    ['note', d.note ?? d.reason ?? (Array.isArray(d.issues) ? d.issues.join('; ') : undefined)],
    ['criterion', d.criterion],
    ['from', d.from ?? d.base],
    ['to', d.to ?? d.strong],
    ['quote', d.evidence],
    ['reviewer', d.reviewer],
  ];
  for (const [k, v] of fields) {
    const s = str(v) ?? (typeof v === 'number' ? String(v) : undefined);
    if (s !== undefined && s !== '') (n as unknown as Record<string, string>)[k] = cut(s, 400);
  }
  if (d.kind === 'low_confidence' && typeof d.confidence === 'number')
    n.note = `confidence ${d.confidence}`;
  return n;
}

export async function gatherEvidence(
  db: Queryable,
  c: Candidate,
  file: string,
  events: CandidateEvent[],
  now: Date,
): Promise<Evidence> {
  // One entry per ticket (source, external id), shown as its newest stored version.
  const byKey = new Map<string, CandidateEvent[]>();
  for (const e of events) {
    const k = e.ticketKey ?? String(e.ticketId);
    byKey.set(k, [...(byKey.get(k) ?? []), e]);
  }
  const byTicket = new Map<number, CandidateEvent[]>();
  for (const evs of byKey.values()) {
    const latest = evs.reduce((a, b) => (b.ticketId > a.ticketId ? b : a));
    byTicket.set(latest.ticketId, evs);
  }
  // The most recent tickets are the most relevant to the file as it is now.
  const ids = [...byTicket.keys()].slice(-MAX_EVIDENCE_TICKETS);
  const rows = await ticketsWithLatestVerdict<{
    outcome: string;
    score: number;
    summary: string;
    missing_information: string[];
    criteria: { criterion: string; result: string; evidence: string; missing: string }[];
  }>(db, ids);
  const tickets: TicketEvidence[] = [];
  for (const id of ids) {
    const row = rows.find((r) => r.id === id);
    if (!row) continue;
    const t = row.ticket;
    const v = row.verdict;
    const crit = v?.criteria.find((x) => x.criterion === c.category);
    tickets.push({
      ticketId: id,
      externalId: row.external_id,
      subject: cut(t.subject, 160),
      excerpt: cut(t.description, EXCERPT_CHARS),
      ...(t.triage ? { triage: { by: t.triage.by, notes: cut(t.triage.notes, 400) } } : {}),
      ...(v
        ? {
            verdict: {
              outcome: v.outcome,
              score: v.score,
              summary: cut(v.summary, 500),
              missing: v.missing_information.slice(0, 6).map((m) => cut(m, 200)),
              ...(crit
                ? {
                    criterion: {
                      id: crit.criterion,
                      result: crit.result,
                      evidence: cut(crit.evidence, 200),
                      missing: cut(crit.missing, 200),
                    },
                  }
                : {}),
            },
          }
        : {}),
      failures: (byTicket.get(id) ?? []).map(noteOf),
    });
  }
  return {
    agent: c.agent,
    category: c.category,
    file,
    window: {
      from: (c.mark && c.mark > c.windowStart ? c.mark : c.windowStart).toISOString(),
      to: now.toISOString(),
    },
    failureCount: byTicket.size,
    events: events.length,
    ticketCount: byTicket.size,
    tickets,
  };
}
