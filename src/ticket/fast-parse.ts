import { z } from 'zod';
import {
  COMMENT_ROLES,
  SOURCE_PATTERN,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  type Ticket,
  TRIAGE_KINDS,
} from './schema.js';

/**
 * The canonical Ticket schema (./schema.ts) written out by hand for the hot
 * paths: every webhook's mapped ticket (src/api/validate.ts) and every
 * imported row (src/import/jsonl.ts) goes through it, and a zod parse of a
 * ticket costs more than the rest of their validation together.
 *
 * It gives the same result as `Ticket.safeParse` — defaults filled, unknown
 * keys dropped, an optional key absent when absent and undefined when given
 * as undefined — or undefined: then the caller runs zod, which decides and
 * words the error. It may therefore refuse anything unusual (a class
 * instance, a `__proto__` key) and leave it to zod; it must never accept what
 * zod refuses. test/core/ticket-fast-parse.test.ts checks both on generated
 * input, in both key orders.
 *
 * Objects are built with their keys in the order the caller serializes them
 * in, so that its serialization copies nothing:
 * - `codeUnits`: code-unit order at every depth, as canonicalJson writes them
 *   (the webhook: hashing such a ticket copies nothing, src/ticket/hash.ts);
 * - `jsonb`: jsonb's own order, shorter first, then bytewise (the import: the
 *   stored JSON is `JSON.stringify` of the value, src/import/canonical.ts).
 *
 * While it walks the strings it also notes whether any could not be stored
 * (a NUL, an unpaired surrogate), so the caller need not serialize the ticket
 * to find out.
 *
 * The readers below are exported for the import's gold label
 * (src/import/gold.ts), checked the same way against its own zod schema.
 */

export type KeyOrder = 'codeUnits' | 'jsonb';

export interface FastTicket {
  ticket: Ticket;
  /** Some string (or record key) holds a NUL or is not well-formed UTF-16. */
  suspect: boolean;
}

type Obj = Record<string, unknown>;

/** One walk over one input: its key order and what it noted. */
export interface Walk {
  readonly order: KeyOrder;
  suspect: boolean;
}

/** Reads one value; throws (through `decline`) to leave the decision to zod. */
export type Read<T = unknown> = (w: Walk, v: unknown) => T;

/** Thrown (and caught by `attempt`) to leave the decision to zod. */
const NO = Symbol('not on the fast path');

/** Leaves the decision to zod. */
function decline(): never {
  throw NO;
}

/** A fresh walk for one input. */
export function walk(order: KeyOrder): Walk {
  return { order, suspect: false };
}

/** `read(w, v)`, or undefined when it left the decision to zod. */
export function attempt<T>(w: Walk, read: Read<T>, v: unknown): T | undefined {
  try {
    return read(w, v);
  } catch (err) {
    if (err === NO) return undefined;
    throw err;
  }
}

/** `Array.prototype.sort`'s default order: UTF-16 code units. */
const codeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
/** jsonb's key order: length, then bytes (code units agree for the ASCII keys of the schemas). */
const jsonbKeys = (a: string, b: string): number => a.length - b.length || codeUnits(a, b);
const COMPARE: Record<KeyOrder, (a: string, b: string) => number> = {
  codeUnits,
  jsonb: jsonbKeys,
};

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

function str(w: Walk, v: unknown, max: number, min: number): string {
  if (typeof v !== 'string' || v.length > max || v.length < min) decline();
  if (!w.suspect && (v.includes('\u0000') || !wellFormed(v))) w.suspect = true;
  return v;
}

/** A string of `min` to `max` characters. */
export const text =
  (max = Number.POSITIVE_INFINITY, min = 0): Read<string> =>
  (w, v) =>
    str(w, v, max, min);

const ISO_TIME = z.regexes.datetime({ offset: true, local: false });

/** An ISO time as the schema's `z.iso.datetime({ offset: true })` reads it. */
const time: Read<string> = (_w, v) => {
  // ISO times are ASCII: nothing to note for `suspect`.
  if (typeof v !== 'string' || !ISO_TIME.test(v)) decline();
  return v;
};

/** One of `values`. */
export function oneOf<T>(values: readonly T[]): Read<T> {
  const set: ReadonlySet<unknown> = new Set(values);
  return (_w, v) => {
    if (!set.has(v)) decline();
    return v as T;
  };
}

const bool: Read<boolean> = (_w, v) => {
  if (typeof v !== 'boolean') decline();
  return v;
};

/** An array of at most `max` items, each read by `item`. */
export function list<T>(item: Read<T>, max = Number.POSITIVE_INFINITY): Read<T[]> {
  return (w, v) => {
    if (!Array.isArray(v) || v.length > max) decline();
    const out: T[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = item(w, v[i]);
    return out;
  };
}

/**
 * A record's own keys (of at most `keyMax` characters), in the walk's order,
 * each value read by `value`; a `__proto__` key, a symbol key or a
 * non-enumerable property is left to zod.
 */
export function record<T>(value: Read<T>, keyMax = Number.POSITIVE_INFINITY): Read<Obj> {
  return (w, v) => {
    if (!isPlain(v)) decline();
    const keys = Object.keys(v);
    if (keys.length > 1) keys.sort(COMPARE[w.order]);
    const out: Obj = {};
    for (const k of keys) {
      if (k === '__proto__') decline();
      str(w, k, keyMax, 0);
      out[k] = value(w, v[k]);
    }
    // Symbol keys: rare enough to leave to zod.
    if (Object.getOwnPropertySymbols(v).length > 0) decline();
    return out;
  };
}

/** Returned by a field to leave its key out of the object. */
const ABSENT = Symbol('absent');

/** Reads the field `key` of `o`: its value, or ABSENT to leave the key out. */
type Field = (w: Walk, o: Obj, key: string) => unknown;

/** A required field. */
export const required =
  (read: Read): Field =>
  (w, o, key) =>
    read(w, o[key]);

/** An optional field: absent stays absent; present as undefined stays undefined (as zod gives it). */
export const optional =
  (read: Read): Field =>
  (w, o, key) => {
    const v = o[key];
    if (v !== undefined) return read(w, v);
    return key in o ? undefined : ABSENT;
  };

/** A field with a default (`fallback()` gives a fresh one) when absent or undefined. */
export const withDefault =
  (read: Read, fallback: () => unknown): Field =>
  (w, o, key) => {
    const v = o[key];
    return v === undefined ? fallback() : read(w, v);
  };

/**
 * A plain object of these fields, unknown keys dropped, built with its keys in
 * the walk's order. The two orders are sorted once, here.
 */
export function object(fields: Record<string, Field>): Read<Obj> {
  const keys = Object.keys(fields);
  const byOrder: Record<KeyOrder, { key: string; field: Field }[]> = {
    codeUnits: [...keys].sort(codeUnits).map((key) => ({ key, field: fields[key] as Field })),
    jsonb: [...keys].sort(jsonbKeys).map((key) => ({ key, field: fields[key] as Field })),
  };
  return (w, v) => {
    if (!isPlain(v)) decline();
    const out: Obj = {};
    const plan = byOrder[w.order];
    for (let i = 0; i < plan.length; i++) {
      const { key, field } = plan[i] as { key: string; field: Field };
      const x = field(w, v, key);
      if (x !== ABSENT) out[key] = x;
    }
    return out;
  };
}

const emptyString = () => '';

const person = object({
  name: optional(text(200)),
  email: optional(text(320)),
  id: optional(text(200)),
});

const comment = object({
  author: required(text(200)),
  authorId: optional(text(200)),
  role: required(oneOf(COMMENT_ROLES)),
  public: required(bool),
  body: required(text(100_000)),
  at: required(time),
});

const minutes: Read<number> = (_w, m) => {
  if (typeof m !== 'number' || !Number.isSafeInteger(m) || m < 0 || m > 100_000) decline();
  return m;
};

const timeEntry = object({
  minutes: required(minutes),
  note: withDefault(text(10_000), emptyString),
  author: optional(text(200)),
  at: optional(time),
});

const triage = object({
  by: required(text(200)),
  kind: withDefault(oneOf(TRIAGE_KINDS), () => 'agent'),
  notes: withDefault(text(20_000), emptyString),
  at: optional(time),
});

const source: Read<string> = (w, v) => {
  const s = str(w, v, 64, 1);
  if (!SOURCE_PATTERN.test(s)) decline();
  return s;
};

/** A custom field's value: a string, a finite number, a boolean or null. */
const fieldValue: Read = (w, v) => {
  if (v === null || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) decline();
    return v;
  }
  return str(w, v, Number.POSITIVE_INFINITY, 0);
};

const ticket = object({
  source: required(source),
  externalId: required(text(200, 1)),
  subject: required(text(1_000)),
  description: withDefault(text(100_000), emptyString),
  status: required(oneOf(TICKET_STATUSES)),
  priority: withDefault(oneOf(TICKET_PRIORITIES), () => 'normal'),
  category: optional(text(200)),
  requester: optional(person),
  assignee: optional(person),
  organization: optional(text(200)),
  organizationId: optional(text(200)),
  createdAt: required(time),
  updatedAt: required(time),
  closedAt: optional(time),
  comments: withDefault(list(comment, 2_000), () => []),
  timeEntries: withDefault(list(timeEntry, 2_000), () => []),
  tags: withDefault(list(text(200), 500), () => []),
  customFields: withDefault(record(fieldValue), () => ({})),
  triage: optional(triage),
  threadIncomplete: withDefault(bool, () => false),
  filled: optional(record(text(200), 64)),
});

/** The ticket as `Ticket.parse` would give it, keys in `order`, or undefined to let zod decide. */
export function fastTicket(input: unknown, order: KeyOrder): FastTicket | undefined {
  const w = walk(order);
  const t = attempt(w, ticket, input);
  return t && { ticket: t as Ticket, suspect: w.suspect };
}
