import { sha256Hex } from '../prng.js';
import { isObject, textsOf, type WireMessage } from '../wire.js';

/**
 * Finds the ticket in a QC request and turns it into a flat, defensive view.
 * The ticket is the JSON between <ticket> and </ticket> in the last user text
 * block that has those tags; if it is not JSON the raw text is graded as the
 * description.
 */

export interface TicketComment {
  author: string;
  role: string;
  public: boolean;
  body: string;
  /** ISO time, '' when absent. */
  at: string;
}

export interface TicketView {
  parsed: boolean;
  found: boolean;
  /** The text between the tags (or the whole text when untagged). */
  raw: string;
  /** sha256 of `raw`: identifies this ticket version for noise. */
  key: string;
  source: string;
  externalId: string;
  subject: string;
  description: string;
  status: string;
  priority: string;
  category: string;
  requester: string;
  /** The requester's e-mail address, when given (automated senders, internal requests). */
  requesterEmail: string;
  assignee: string;
  assigneeEmail: string;
  comments: TicketComment[];
  timeEntries: Array<{ minutes: number; note: string }>;
  tags: string[];
  customFields: string[];
  triage: { by: string; kind: string; notes: string } | undefined;
  threadIncomplete: boolean;
  createdAt: string;
  closedAt: string;
}

const OPEN = '<ticket>';
const CLOSE = '</ticket>';

/** The text of the ticket: from the last user text block that carries the tags. */
export function findTicketText(messages: readonly WireMessage[]): string | undefined {
  let fallback: string | undefined;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message?.role !== 'user') continue;
    const texts = textsOf(message.content);
    for (let j = texts.length - 1; j >= 0; j--) {
      const text = texts[j] ?? '';
      if (text.includes(OPEN)) return text;
      if (fallback === undefined && text.trim() !== '') fallback = text;
    }
  }
  return fallback;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

function personName(value: unknown): string {
  if (!isObject(value)) return '';
  return str(value.name) || str(value.email) || str(value.id);
}

export function parseTicket(text: string | undefined): TicketView {
  const full = text ?? '';
  const open = full.indexOf(OPEN);
  const close = full.lastIndexOf(CLOSE);
  const raw = (
    open >= 0 ? full.slice(open + OPEN.length, close > open ? close : undefined) : full
  ).trim();
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    data = undefined;
  }
  const view: TicketView = {
    parsed: isObject(data),
    found: raw !== '',
    raw,
    // The noise key must not change with whitespace: a grader's mistakes do not
    // depend on how the JSON is indented. Parsed tickets are keyed on one
    // canonical re-serialisation (1-space indent, the form earlier product
    // versions sent, with `<` escaped as JSON inside a tag must be, so a
    // seed's draws stay comparable across versions).
    key: sha256Hex(isObject(data) ? JSON.stringify(data, null, 1).replace(/</g, '\\u003c') : raw),
    source: '',
    externalId: '',
    subject: '',
    description: isObject(data) ? '' : raw,
    status: '',
    priority: '',
    category: '',
    requester: '',
    requesterEmail: '',
    assignee: '',
    assigneeEmail: '',
    comments: [],
    timeEntries: [],
    tags: [],
    customFields: [],
    triage: undefined,
    threadIncomplete: false,
    createdAt: '',
    closedAt: '',
  };
  if (!isObject(data)) return view;
  view.source = str(data.source);
  view.externalId = str(data.externalId);
  view.subject = str(data.subject);
  view.description = str(data.description);
  view.status = str(data.status).toLowerCase();
  view.priority = str(data.priority).toLowerCase();
  view.category = str(data.category);
  view.requester = personName(data.requester);
  view.requesterEmail = isObject(data.requester) ? str(data.requester.email) : '';
  view.assignee = personName(data.assignee);
  view.assigneeEmail = isObject(data.assignee) ? str(data.assignee.email) : '';
  view.threadIncomplete = data.threadIncomplete === true;
  view.createdAt = str(data.createdAt);
  view.closedAt = str(data.closedAt);
  if (Array.isArray(data.comments)) {
    view.comments = data.comments.filter(isObject).map((c) => ({
      author: str(c.author),
      role: str(c.role).toLowerCase(),
      public: c.public !== false,
      body: str(c.body),
      at: str(c.at),
    }));
  }
  if (Array.isArray(data.timeEntries)) {
    view.timeEntries = data.timeEntries.filter(isObject).map((e) => ({
      minutes: typeof e.minutes === 'number' ? e.minutes : 0,
      note: str(e.note),
    }));
  }
  if (Array.isArray(data.tags)) view.tags = data.tags.map(str).filter(Boolean);
  if (isObject(data.customFields)) {
    view.customFields = Object.entries(data.customFields).map(([k, v]) => `${k}: ${String(v)}`);
  }
  if (isObject(data.triage)) {
    view.triage = {
      by: str(data.triage.by),
      kind: str(data.triage.kind) || 'agent',
      notes: str(data.triage.notes),
    };
  }
  return view;
}
