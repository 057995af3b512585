import type { Ticket } from '../ticket/schema.js';
import { TICKET_STATUSES, Ticket as TicketSchema } from '../ticket/schema.js';
import type { Gold } from './gold.js';

/**
 * The common shape of an imported row, checked by hand: a parsed row that
 * passes here is exactly one the zod schemas accept, and the value returned
 * is equal to theirs (defaults filled, unknown keys dropped). Anything
 * unusual — a missing field, a wrong type, a value over a limit, a key that
 * is not a plain one — returns undefined and the row goes to zod, which
 * accepts it or says why not. zod costs about half of an import's validation
 * CPU; the common row needs none of its generality.
 *
 * Objects are built with their keys in jsonb's order (shorter first, then
 * bytewise), so the stored JSON is `JSON.stringify` of the value as it is
 * (src/import/canonical.ts explains why that order).
 */

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.getPrototypeOf(v) === Object.prototype;

/** zod's own datetime pattern (`z.iso.datetime({ offset: true })`), taken from the schema. */
const ISO = (TicketSchema.shape.createdAt as unknown as { _zod: { def: { pattern: RegExp } } })._zod
  .def.pattern;
const SOURCE = /^[a-z0-9_-]+$/;
const STATUSES: ReadonlySet<unknown> = new Set(TICKET_STATUSES);
const PRIORITIES: ReadonlySet<unknown> = new Set(['low', 'normal', 'high', 'urgent']);
const ROLES: ReadonlySet<unknown> = new Set(['customer', 'agent', 'system']);
const TRIAGE_KINDS: ReadonlySet<unknown> = new Set(['agent', 'person']);
const OUTCOMES: ReadonlySet<unknown> = new Set(['pass', 'fail', 'escalate']);
const CRITERION: ReadonlySet<unknown> = new Set(['met', 'partial', 'missing', 'n/a']);

/** Thrown inside a check to hand the row to zod; never escapes this module. */
const UNUSUAL = Symbol('unusual');

function str(v: unknown, max: number): string {
  if (typeof v !== 'string' || v.length > max) throw UNUSUAL;
  return v;
}
function optStr(v: unknown, max: number): string | undefined {
  return v === undefined ? undefined : str(v, max);
}
function defStr(v: unknown, max: number): string {
  return v === undefined ? '' : str(v, max);
}
function time(v: unknown): string {
  if (typeof v !== 'string' || !ISO.test(v)) throw UNUSUAL;
  return v;
}
function optTime(v: unknown): string | undefined {
  return v === undefined ? undefined : time(v);
}
function oneOf<T>(v: unknown, set: ReadonlySet<unknown>): T {
  if (!set.has(v)) throw UNUSUAL;
  return v as T;
}
function bool(v: unknown): boolean {
  if (typeof v !== 'boolean') throw UNUSUAL;
  return v;
}
function list<T>(v: unknown, max: number, item: (x: unknown) => T): T[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length > max) throw UNUSUAL;
  const out = new Array<T>(v.length);
  for (let i = 0; i < v.length; i++) out[i] = item(v[i]);
  return out;
}
/** A record's keys sorted jsonb's way, values checked; keys that are not plain names go to zod. */
function record<T>(v: unknown, keyMax: number, value: (x: unknown) => T): Record<string, T> {
  if (!isObj(v)) throw UNUSUAL;
  const keys = Object.keys(v);
  if (keys.length > 1) keys.sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  const out: Record<string, T> = {};
  for (const k of keys) {
    if (k.length > keyMax || k === '__proto__') throw UNUSUAL;
    out[k] = value(v[k]);
  }
  return out;
}
function obj(v: unknown): Obj {
  if (!isObj(v)) throw UNUSUAL;
  return v;
}

function person(v: unknown): Ticket['requester'] {
  if (v === undefined) return undefined;
  const p = obj(v);
  return { id: optStr(p.id, 200), name: optStr(p.name, 200), email: optStr(p.email, 320) };
}

function comment(v: unknown): Ticket['comments'][number] {
  const c = obj(v);
  return {
    at: time(c.at),
    body: str(c.body, 100_000),
    role: oneOf(c.role, ROLES),
    author: str(c.author, 200),
    public: bool(c.public),
    authorId: optStr(c.authorId, 200),
  };
}

function timeEntry(v: unknown): Ticket['timeEntries'][number] {
  const e = obj(v);
  const m = e.minutes;
  if (typeof m !== 'number' || !Number.isSafeInteger(m) || m < 0 || m > 100_000) throw UNUSUAL;
  return {
    at: optTime(e.at),
    note: defStr(e.note, 10_000),
    author: optStr(e.author, 200),
    minutes: m,
  };
}

function field(v: unknown): string | number | boolean | null {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw UNUSUAL;
}

function triage(v: unknown): Ticket['triage'] {
  if (v === undefined) return undefined;
  const t = obj(v);
  return {
    at: optTime(t.at),
    by: str(t.by, 200),
    kind: t.kind === undefined ? 'agent' : oneOf(t.kind, TRIAGE_KINDS),
    notes: defStr(t.notes, 20_000),
  };
}

function ticket(t: Obj): Ticket {
  const source = str(t.source, 64);
  const externalId = str(t.externalId, 200);
  if (source.length < 1 || !SOURCE.test(source) || externalId.length < 1) throw UNUSUAL;
  const threadIncomplete = t.threadIncomplete === undefined ? false : bool(t.threadIncomplete);
  return {
    tags: list(t.tags, 500, (x) => str(x, 200)),
    filled: t.filled === undefined ? undefined : record(t.filled, 64, (x) => str(x, 200)),
    source,
    status: oneOf(t.status, STATUSES),
    triage: triage(t.triage),
    subject: str(t.subject, 1_000),
    assignee: person(t.assignee),
    category: optStr(t.category, 200),
    closedAt: optTime(t.closedAt),
    comments: list(t.comments, 2_000, comment),
    priority: t.priority === undefined ? 'normal' : oneOf(t.priority, PRIORITIES),
    createdAt: time(t.createdAt),
    requester: person(t.requester),
    updatedAt: time(t.updatedAt),
    externalId,
    description: defStr(t.description, 100_000),
    timeEntries: list(t.timeEntries, 2_000, timeEntry),
    customFields: t.customFields === undefined ? {} : record(t.customFields, Infinity, field),
    organization: optStr(t.organization, 200),
    organizationId: optStr(t.organizationId, 200),
    threadIncomplete,
  };
}

function gold(g: Obj): Gold {
  const attribution = (v: unknown) => {
    const a = obj(v);
    return { agent: str(a.agent, Infinity), category: str(a.category, Infinity) };
  };
  return {
    notes: optStr(g.notes, Infinity),
    outcome: oneOf(g.outcome, OUTCOMES),
    criteria: record(g.criteria, Infinity, (x) => oneOf<Gold['criteria'][string]>(x, CRITERION)),
    patterns: list(g.patterns, Infinity, (x) => str(x, Infinity)),
    escalations: list(g.escalations, Infinity, (x) => str(x, Infinity)),
    attributions: list(g.attributions, Infinity, attribution),
  };
}

function attempt<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (err === UNUSUAL) return undefined;
    throw err;
  }
}

/** The ticket as `Ticket.parse` would return it, or undefined for zod to decide. */
export function fastTicket(raw: unknown): Ticket | undefined {
  return isObj(raw) ? attempt(() => ticket(raw)) : undefined;
}

/** The label as `Gold.parse` would return it, or undefined for zod to decide. */
export function fastGold(raw: unknown): Gold | undefined {
  return isObj(raw) ? attempt(() => gold(raw)) : undefined;
}
