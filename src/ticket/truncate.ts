/**
 * The oversize-ticket rule (README "Oversize tickets"). A ticket is sent to
 * the model whole unless its JSON as sent (src/qc/ticket-text.ts: after
 * prompt hygiene, without the fields that tell a grader nothing) is over
 * TICKET_MAX_CHARS; then, keeping the start and the end (where the problem
 * and the resolution are):
 *
 * 1. every text field longer than FIELD_MAX_CHARS (description, comment
 *    bodies, time-entry notes, triage notes) keeps its first and last
 *    FIELD_KEEP_CHARS characters around an `[… N characters omitted by
 *    ticket-qc …]` marker;
 * 2. if still over, the first KEEP_FIRST_COMMENTS and last
 *    KEEP_LAST_COMMENTS comments are kept and the ones between replaced by
 *    one marker comment.
 *
 * The sent ticket carries `truncated: { omittedChars, omittedComments }`
 * and the stored verdict says so in `missing_information`.
 */

export const TICKET_MAX_CHARS = 48_000;
const FIELD_MAX_CHARS = 8_000;
const FIELD_KEEP_CHARS = 3_000;
const KEEP_FIRST_COMMENTS = 5;
const KEEP_LAST_COMMENTS = 15;

export interface Truncation {
  omittedChars: number;
  omittedComments: number;
}

type Obj = Record<string, unknown>;

function cut(text: unknown, t: Truncation): unknown {
  if (typeof text !== 'string' || text.length <= FIELD_MAX_CHARS) return text;
  const omitted = text.length - 2 * FIELD_KEEP_CHARS;
  t.omittedChars += omitted;
  return `${text.slice(0, FIELD_KEEP_CHARS)}\n[… ${omitted} characters omitted by ticket-qc …]\n${text.slice(-FIELD_KEEP_CHARS)}`;
}

const size = (o: unknown) => JSON.stringify(o).length;

/** The ticket as it may be sent; `truncation` is undefined when nothing was cut. */
export function truncateTicket<T extends Obj>(ticket: T): { ticket: T; truncation?: Truncation } {
  if (size(ticket) <= TICKET_MAX_CHARS) return { ticket };
  const t: Truncation = { omittedChars: 0, omittedComments: 0 };
  const out: Obj = { ...ticket, description: cut(ticket.description, t) };
  const comments = Array.isArray(ticket.comments) ? (ticket.comments as Obj[]) : [];
  out.comments = comments.map((c) => ({ ...c, body: cut(c.body, t) }));
  if (Array.isArray(ticket.timeEntries)) {
    out.timeEntries = (ticket.timeEntries as Obj[]).map((e) => ({ ...e, note: cut(e.note, t) }));
  }
  if (ticket.triage && typeof ticket.triage === 'object') {
    const tr = ticket.triage as Obj;
    out.triage = { ...tr, notes: cut(tr.notes, t) };
  }
  const kept = out.comments as Obj[];
  if (size(out) > TICKET_MAX_CHARS && kept.length > KEEP_FIRST_COMMENTS + KEEP_LAST_COMMENTS) {
    const middle = kept.slice(KEEP_FIRST_COMMENTS, -KEEP_LAST_COMMENTS);
    t.omittedComments = middle.length;
    t.omittedChars += size(middle);
    out.comments = [
      ...kept.slice(0, KEEP_FIRST_COMMENTS),
      {
        author: 'ticket-qc',
        role: 'system',
        public: false,
        body: `[… ${middle.length} comments omitted by ticket-qc …]`,
      },
      ...kept.slice(-KEEP_LAST_COMMENTS),
    ];
  }
  out.truncated = t;
  return { ticket: out as T, truncation: t };
}

/** The line the verdict carries when the model saw a truncated ticket. */
export function truncationNote(t: Truncation): string {
  return (
    `ticket truncated before grading: ${t.omittedChars} characters` +
    (t.omittedComments ? ` (${t.omittedComments} comments)` : '') +
    ' omitted from the middle; the start and the end were graded'
  );
}
