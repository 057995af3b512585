import { z } from 'zod';
import {
  COMMENT_ROLES,
  SOURCE_PATTERN,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  type Ticket,
  TRIAGE_KINDS,
} from '../ticket/schema.js';

/**
 * The canonical Ticket schema (src/ticket/schema.ts) written out by hand for
 * the hot path: every webhook's mapped ticket goes through it, and a zod
 * parse of a ticket costs more than the rest of the validation together.
 * It gives the same result as `Ticket.safeParse` — defaults filled, unknown
 * keys dropped — or undefined: then the caller runs zod, which decides and
 * words the error. It may therefore refuse anything unusual (a class
 * instance, a `__proto__` key) and leave it to zod; it must never accept what
 * zod refuses. test/api/fast-validate.test.ts checks both on generated input.
 *
 * While it walks the strings it also notes whether any could not be stored
 * (a NUL, an unpaired surrogate), so the caller need not serialize the ticket
 * to find out.
 */

export interface FastTicket {
  ticket: Ticket;
  /** Some string (or record key) holds a NUL or is not well-formed UTF-16. */
  suspect: boolean;
}

type Obj = Record<string, unknown>;

const ISO_TIME = z.regexes.datetime({ offset: true, local: false });
const STATUSES: ReadonlySet<unknown> = new Set(TICKET_STATUSES);
const PRIORITIES: ReadonlySet<unknown> = new Set(TICKET_PRIORITIES);
const ROLES: ReadonlySet<unknown> = new Set(COMMENT_ROLES);
const KINDS: ReadonlySet<unknown> = new Set(TRIAGE_KINDS);

/** Thrown (and caught below) to leave the decision to zod. */
const NO = Symbol('not on the fast path');

interface Walk {
  suspect: boolean;
}

function isPlain(v: unknown): v is Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

// String.prototype.isWellFormed (Node 20) is ES2024, beyond the project's lib.
const isWellFormed = (String.prototype as unknown as { isWellFormed(this: string): boolean })
  .isWellFormed;
/** No unpaired UTF-16 surrogate. */
const wellFormed = (s: string): boolean => isWellFormed.call(s);

function str(w: Walk, v: unknown, max: number, min = 0): string {
  if (typeof v !== 'string' || v.length > max || v.length < min) throw NO;
  if (!w.suspect && (v.includes('\u0000') || !wellFormed(v))) w.suspect = true;
  return v;
}

function time(v: unknown): string {
  // ISO times are ASCII: nothing to note for `suspect`.
  if (typeof v !== 'string' || !ISO_TIME.test(v)) throw NO;
  return v;
}

function oneOf<T>(set: ReadonlySet<unknown>, v: unknown): T {
  if (!set.has(v)) throw NO;
  return v as T;
}

function bool(v: unknown): boolean {
  if (typeof v !== 'boolean') throw NO;
  return v;
}

function arr(v: unknown, max: number): unknown[] {
  if (!Array.isArray(v) || v.length > max) throw NO;
  return v;
}

function obj(v: unknown): Obj {
  if (!isPlain(v)) throw NO;
  return v;
}

/*
 * Optional fields: absent stays absent; present as undefined stays undefined
 * (as zod gives it). Written out per kind rather than through a reader
 * callback: a closure per field per webhook is garbage the collector sweeps.
 */

/** An optional string field of at most `max` characters. */
function optStr(w: Walk, out: Obj, o: Obj, key: string, max: number): void {
  const v = o[key];
  if (v !== undefined) out[key] = str(w, v, max);
  else if (key in o) out[key] = undefined;
}

/** An optional ISO time field. */
function optTime(out: Obj, o: Obj, key: string): void {
  const v = o[key];
  if (v !== undefined) out[key] = time(v);
  else if (key in o) out[key] = undefined;
}

/** An optional person field. */
function optPerson(w: Walk, out: Obj, o: Obj, key: string): void {
  const v = o[key];
  if (v !== undefined) out[key] = person(w, v);
  else if (key in o) out[key] = undefined;
}

function person(w: Walk, v: unknown): Obj {
  const o = obj(v);
  const out: Obj = {};
  optStr(w, out, o, 'email', 320);
  optStr(w, out, o, 'id', 200);
  optStr(w, out, o, 'name', 200);
  return out;
}

function comment(w: Walk, v: unknown): Obj {
  const o = obj(v);
  const out: Obj = { at: time(o.at), author: str(w, o.author, 200) };
  optStr(w, out, o, 'authorId', 200);
  out.body = str(w, o.body, 100_000);
  out.public = bool(o.public);
  out.role = oneOf(ROLES, o.role);
  return out;
}

function timeEntry(w: Walk, v: unknown): Obj {
  const o = obj(v);
  const m = o.minutes;
  if (typeof m !== 'number' || !Number.isSafeInteger(m) || m < 0 || m > 100_000) throw NO;
  const out: Obj = {};
  optTime(out, o, 'at');
  optStr(w, out, o, 'author', 200);
  out.minutes = m;
  out.note = o.note === undefined ? '' : str(w, o.note, 10_000);
  return out;
}

function triage(w: Walk, v: unknown): Obj {
  const o = obj(v);
  const out: Obj = {};
  optTime(out, o, 'at');
  out.by = str(w, o.by, 200);
  out.kind = o.kind === undefined ? 'agent' : oneOf(KINDS, o.kind);
  out.notes = o.notes === undefined ? '' : str(w, o.notes, 20_000);
  return out;
}

/**
 * A record's own keys, as zod reads them (in sorted order); a `__proto__` key
 * is left to zod. `filled` records hold strings of at most 200 characters
 * under keys of at most 64; custom fields hold any field value.
 */
function record(w: Walk, v: unknown, kind: 'customFields' | 'filled'): Obj {
  const o = obj(v);
  const out: Obj = {};
  const keyMax = kind === 'filled' ? 64 : Number.POSITIVE_INFINITY;
  // Sorted, like every other object this parser builds.
  for (const k of Object.keys(o).sort()) {
    if (k === '__proto__') throw NO;
    str(w, k, keyMax);
    out[k] = kind === 'filled' ? str(w, o[k], 200) : fieldValue(w, o[k]);
  }
  // Symbol keys and non-enumerable properties: rare enough to leave to zod.
  if (Object.getOwnPropertySymbols(o).length > 0) throw NO;
  return out;
}

function fieldValue(w: Walk, v: unknown): unknown {
  if (v === null || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw NO;
    return v;
  }
  return str(w, v, Number.POSITIVE_INFINITY);
}

/** A list field (absent: empty) of at most `max` items, each read by `item`. */
function list<T>(w: Walk, v: unknown, max: number, item: (w: Walk, x: unknown) => T): T[] {
  if (v === undefined) return [];
  const a = arr(v, max);
  const out: T[] = new Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = item(w, a[i]);
  return out;
}

const tag = (w: Walk, x: unknown): string => str(w, x, 200);

/** The ticket as `Ticket.parse` would give it, or undefined to let zod decide. */
export function fastTicket(input: unknown): FastTicket | undefined {
  const w: Walk = { suspect: false };
  try {
    const o = obj(input);
    // Keys in code-unit order at every depth, as canonicalJson writes them: hashing such a
    // ticket copies nothing (src/ticket/hash.ts).
    const out: Obj = {};
    optPerson(w, out, o, 'assignee');
    optStr(w, out, o, 'category', 200);
    optTime(out, o, 'closedAt');
    out.comments = list(w, o.comments, 2_000, comment);
    out.createdAt = time(o.createdAt);
    out.customFields =
      o.customFields === undefined ? {} : record(w, o.customFields, 'customFields');
    out.description = o.description === undefined ? '' : str(w, o.description, 100_000);
    out.externalId = str(w, o.externalId, 200, 1);
    if (o.filled !== undefined) out.filled = record(w, o.filled, 'filled');
    else if ('filled' in o) out.filled = undefined;
    optStr(w, out, o, 'organization', 200);
    optStr(w, out, o, 'organizationId', 200);
    out.priority = o.priority === undefined ? 'normal' : oneOf(PRIORITIES, o.priority);
    optPerson(w, out, o, 'requester');
    const source = str(w, o.source, 64, 1);
    if (!SOURCE_PATTERN.test(source)) return undefined;
    out.source = source;
    out.status = oneOf(STATUSES, o.status);
    out.subject = str(w, o.subject, 1_000);
    out.tags = list(w, o.tags, 500, tag);
    out.threadIncomplete = o.threadIncomplete === undefined ? false : bool(o.threadIncomplete);
    out.timeEntries = list(w, o.timeEntries, 2_000, timeEntry);
    if (o.triage !== undefined) out.triage = triage(w, o.triage);
    else if ('triage' in o) out.triage = undefined;
    out.updatedAt = time(o.updatedAt);
    return { ticket: out as Ticket, suspect: w.suspect };
  } catch (err) {
    if (err === NO) return undefined;
    throw err;
  }
}
