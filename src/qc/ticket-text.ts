import { ticketForPrompt } from '../ticket/hygiene.js';
import type { Person, Ticket } from '../ticket/schema.js';
import { TICKET_MAX_CHARS, type Truncation, truncateTicket } from '../ticket/truncate.js';

/**
 * The ticket as every QC call sends it (the verdict call, its repair turn and
 * the strong model's second opinion): one serializer, so both graders see
 * the same data. Machine output (stack dumps, logs, base64) is clipped
 * (src/ticket/hygiene.ts); oversize tickets keep their start and end
 * (src/ticket/truncate.ts); the source block is left out.
 *
 * The ticket is data: compact JSON (indentation cost ~20 % of the ticket's
 * tokens and told the model nothing) with `<` escaped, so text inside it
 * cannot close the delimiter or pose as instructions.
 *
 * Fields that tell a grader nothing are left out (issue 12: ~55 of a
 * ticket's ~660 tokens on the examples, on every base call and every
 * Sonnet call): `updatedAt` (when the record last changed; the thread's
 * times and `closedAt` carry what grading reads), ids beside a name,
 * empty tags and custom fields, `threadIncomplete: false`, `public: true` (a
 * comment is public unless it says `public: false`, as qc-worker.md tells
 * the model) and `:00` seconds of a time (same instant, `12:10Z`).
 */
export function ticketJson(ticket: Ticket): string {
  return sent(ticket).json;
}

/**
 * What was cut from the ticket as sent (undefined when nothing was): the
 * verdict says the model saw a shortened ticket exactly when it did, judged
 * on what is sent — after hygiene clipped machine output — not on the
 * stored ticket.
 */
export function ticketTruncation(ticket: Ticket): Truncation | undefined {
  return sent(ticket).truncation;
}

interface Sent {
  json: string;
  truncation: Truncation | undefined;
}

// The verdict call, its repair, a tier-up and a second opinion send the same ticket: built once.
const built = new WeakMap<Ticket, Sent>();

function sent(ticket: Ticket): Sent {
  let out = built.get(ticket);
  if (out === undefined) {
    const { source: _source, ...whole } = ticketForPrompt(ticket);
    // Serialized once in the common case: only a ticket whose JSON as sent is over the
    // limit goes through truncateTicket (which measures the whole ticket again, as its rule says).
    let json = JSON.stringify(lean(whole));
    let truncation: Truncation | undefined;
    if (json.length > TICKET_MAX_CHARS) {
      const cut = truncateTicket(whole);
      truncation = cut.truncation;
      if (truncation) json = JSON.stringify(lean(cut.ticket));
    }
    out = { json: json.replace(/</g, '\\u003c'), truncation };
    built.set(ticket, out);
  }
  return out;
}

/** The ticket between its delimiters, as the context files describe it. */
export function ticketBlock(ticket: Ticket): string {
  return `<ticket>\n${ticketJson(ticket)}\n</ticket>`;
}

/** `2026-10-01T12:10:00Z` → `2026-10-01T12:10Z`: the same instant, ~2 tokens fewer. */
function minute(iso: string): string;
function minute(iso: string | undefined): string | undefined;
function minute(iso: string | undefined): string | undefined {
  return iso?.replace(/^(\d{4}-\d\d-\d\dT\d\d:\d\d):00(?:\.0+)?(?=Z|[+-]\d\d:?\d\d$)/, '$1');
}

/** A person without the source's id when a name or e-mail says who it is. */
function person(p: Person | undefined): Person | undefined {
  if (!p) return undefined;
  const { id, ...named } = p;
  return (named.name && named.name !== 'unknown') || named.email ? named : p;
}

type Sendable = Omit<Ticket, 'source'>;

/** The ticket less what carries no grading information (see `ticketJson`). */
function lean(t: Sendable): Record<string, unknown> {
  const {
    updatedAt: _updatedAt,
    organizationId,
    threadIncomplete,
    tags,
    customFields,
    filled,
    ...rest
  } = t;
  const { updatedAt: _filledUpdatedAt, ...filledRest } = filled ?? {};
  return {
    ...rest,
    requester: person(t.requester),
    assignee: person(t.assignee),
    // The id is all there is when the source named no organisation.
    organizationId: !t.organization || t.organization === 'unknown' ? organizationId : undefined,
    createdAt: minute(t.createdAt),
    closedAt: minute(t.closedAt),
    comments: t.comments.map(({ public: isPublic, authorId, ...c }) => ({
      ...c,
      // "unknown" with the id in authorId is how a source without names says who wrote it.
      ...(c.author === 'unknown' && authorId ? { authorId } : {}),
      ...(isPublic ? {} : { public: false }),
      at: minute(c.at),
    })),
    // Kept when empty: "no time entry exists" is what rubric.md's time_entries judges.
    timeEntries: t.timeEntries.map((e) => ({ ...e, at: minute(e.at) })),
    tags: tags.length ? tags : undefined,
    customFields: Object.keys(customFields).length ? customFields : undefined,
    triage: t.triage ? { ...t.triage, at: minute(t.triage.at) } : undefined,
    threadIncomplete: threadIncomplete || undefined,
    filled: Object.keys(filledRest).length ? filledRest : undefined,
  };
}
