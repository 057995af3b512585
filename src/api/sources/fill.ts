import { canonicalJson, normalizeTicket } from '../../ticket/hash.js';
import { type Comment, Ticket, type TicketInput } from '../../ticket/schema.js';
import type { MapResult } from './types.js';

/**
 * Deliveries that identify a ticket but leave fields out (a Zendesk
 * `status_changed` with only `{id, status}`, a Freshdesk rule without the
 * updated time, a ServiceNow record without `sys_updated_on`) are accepted,
 * not refused: each missing field is taken from the latest stored version of
 * the ticket, or filled — and the fill is recorded in `filled`, so nobody
 * mistakes it for the vendor's value:
 *
 * | field       | latest version stored     | none stored                          |
 * | ----------- | ------------------------- | ------------------------------------ |
 * | updatedAt   | unchanged content: its time; else the time of receipt | the time of receipt |
 * | createdAt   | its createdAt             | = updatedAt ("same as updatedAt")     |
 * | subject     | its subject               | "" ("not sent")                      |
 * | status      | its status                | "open" ("not sent")                  |
 * | others      | its value                 | left out                             |
 * | comments    | merged with its thread    | what the delivery carried            |
 */

export type Fillable =
  | 'subject'
  | 'description'
  | 'status'
  | 'priority'
  | 'category'
  | 'requester'
  | 'assignee'
  | 'organization'
  | 'organizationId'
  | 'createdAt'
  | 'updatedAt'
  | 'tags';

export interface Partial {
  /** What the delivery said; the fields in `missing` are ignored and filled. */
  ticket: TicketInput;
  missing: ReadonlySet<Fillable>;
  /** The delivery carries only some comments (an event's one comment): merge them into the stored thread. */
  mergeComments?: boolean;
  /** When the delivery was received (ISO). */
  receivedAt: string;
  deliveryId?: string | undefined;
}

const sameComment = (a: Comment, b: Comment) =>
  Date.parse(a.at) === Date.parse(b.at) && a.body.trim() === b.body.trim();

/** The stored thread with the delivery's comments added where they are new, in time order. */
function mergeThread(stored: Comment[], incoming: Comment[]): Comment[] {
  const out = [...stored];
  for (const c of incoming) {
    const i = out.findIndex((x) => sameComment(x, c));
    if (i >= 0) out[i] = c;
    else out.push(c);
  }
  return out.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/** The content apart from updatedAt and the fill notes, normalized as the content hash is. */
const comparable = (t: TicketInput | Ticket) => {
  const r = Ticket.safeParse(t);
  if (!r.success) return undefined;
  const { updatedAt: _u, filled: _f, closedAt: _c, ...rest } = normalizeTicket(r.data);
  return canonicalJson(rest);
};

/** A delivery with nothing missing is a plain ticket; otherwise a version built on the latest stored one. */
export function partialTicket(p: Partial): MapResult {
  if (p.missing.size === 0 && !p.mergeComments)
    return { kind: 'ticket', ticket: p.ticket, deliveryId: p.deliveryId };
  return {
    kind: 'derived',
    externalId: p.ticket.externalId,
    deliveryId: p.deliveryId,
    apply: (latest) => fill(p, latest),
  };
}

function fill(p: Partial, latest: Ticket | undefined): TicketInput {
  const t: Record<string, unknown> = { ...p.ticket };
  const filled: Record<string, string> = { ...(p.ticket.filled ?? {}) };
  for (const f of p.missing) {
    if (f === 'updatedAt' || f === 'createdAt') continue;
    delete t[f];
    delete filled[f];
    if (latest && latest[f] !== undefined) t[f] = latest[f];
    else if (f === 'subject') {
      t.subject = '';
      filled.subject = 'not sent';
    } else if (f === 'status') {
      t.status = 'open';
      filled.status = 'not sent';
    }
  }
  let incoming = (p.ticket.comments ?? []) as Comment[];
  if (p.missing.has('updatedAt') && latest) {
    // Comments dated at receipt (the delivery had no times) that are already
    // stored keep their stored time: a redelivery is the same version.
    incoming = incoming.map((c) => {
      if (c.at !== p.receivedAt) return c;
      const known = latest.comments.find(
        (x) => x.body.trim() === c.body.trim() && x.public === c.public,
      );
      return known ? { ...c, at: known.at } : c;
    });
    t.comments = incoming;
  }
  if (p.mergeComments && latest) {
    t.comments = mergeThread(latest.comments, incoming);
    t.timeEntries = p.ticket.timeEntries?.length ? p.ticket.timeEntries : latest.timeEntries;
  }
  if (p.missing.has('createdAt') && latest) {
    delete filled.createdAt;
    t.createdAt = latest.createdAt;
    if (latest.filled?.createdAt) filled.createdAt = latest.filled.createdAt;
  }
  if (p.missing.has('updatedAt')) {
    delete filled.updatedAt;
    // The adapter dated the close at receipt: the stored close time wins below.
    delete t.closedAt;
    const probe = { ...t, updatedAt: latest?.updatedAt ?? p.receivedAt } as TicketInput;
    const same = latest ? comparable(probe) : undefined;
    if (latest && same !== undefined && same === comparable(latest)) {
      // A redelivery of what is stored: the same version, not a new one per retry.
      t.updatedAt = latest.updatedAt;
      if (latest.filled?.updatedAt) filled.updatedAt = latest.filled.updatedAt;
    } else {
      const later =
        latest && Date.parse(latest.updatedAt) > Date.parse(p.receivedAt)
          ? latest.updatedAt
          : p.receivedAt;
      t.updatedAt = later;
      filled.updatedAt = 'time of receipt';
    }
  }
  if (p.missing.has('createdAt') && !latest) {
    t.createdAt = t.updatedAt;
    filled.createdAt = 'same as updatedAt';
  }
  const closed = t.status === 'solved' || t.status === 'closed';
  if (closed && t.closedAt === undefined) t.closedAt = latest?.closedAt ?? t.updatedAt;
  if (!closed) delete t.closedAt;
  if (Object.keys(filled).length > 0) t.filled = filled;
  else delete t.filled;
  return t as TicketInput;
}
