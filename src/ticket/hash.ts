import { hash } from 'node:crypto';
import type { Ticket } from './schema.js';

/**
 * A version of a ticket is identified by the hash of its normalized content.
 * Normalization makes the hash independent of key order, list order that the
 * source does not guarantee (tags), and surrounding whitespace, so a redelivery
 * of the same content is recognised as the same version.
 */
const trim = (s: string) => s.replace(/\r\n/g, '\n').trim();

export function normalizeTicket(t: Ticket): Ticket {
  // Most tickets arrive normalized already: then they are their own normal
  // form (the same JSON, keys in the same order) and nothing is copied.
  if (isNormalized(t)) return t;
  return {
    ...t,
    subject: trim(t.subject),
    description: trim(t.description),
    comments: [...t.comments]
      .map((c) => ({ ...c, body: trim(c.body) }))
      .sort((a, b) => a.at.localeCompare(b.at)),
    tags: [...new Set(t.tags.map((x) => x.trim().toLowerCase()))].sort(),
    timeEntries: t.timeEntries.map((e) => ({ ...e, note: trim(e.note) })),
  };
}

/** Whether `normalizeTicket` would change nothing (as it compares: its sort is stable). */
function isNormalized(t: Ticket): boolean {
  if (trim(t.subject) !== t.subject || trim(t.description) !== t.description) return false;
  const { comments, tags, timeEntries } = t;
  for (let i = 0; i < comments.length; i++) {
    const c = comments[i] as Ticket['comments'][number];
    if (trim(c.body) !== c.body) return false;
    if (i > 0 && (comments[i - 1] as typeof c).at.localeCompare(c.at) > 0) return false;
  }
  for (let i = 0; i < tags.length; i++) {
    const tag = tags[i] as string;
    if (tag.trim().toLowerCase() !== tag) return false;
    // Strictly ascending: sorted, and no duplicate for the Set to drop.
    if (i > 0 && !((tags[i - 1] as string) < tag)) return false;
  }
  for (const e of timeEntries) if (trim(e.note) !== e.note) return false;
  return true;
}

/** JSON with object keys sorted at every depth: a stable serialization. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The value with every object's keys in code-unit order and undefined
 * members dropped. An object or array that is already so is returned as it
 * is rather than copied (tickets from the webhook parser are built in sorted
 * order), so only what is out of order is rebuilt. Non-plain objects (a Date)
 * are always rebuilt from their own keys, as they always were: the hash must
 * not change.
 */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      const s = sortKeys(v);
      if (s !== v && !out) out = value.slice(0, i);
      out?.push(s);
    }
    return out ?? value;
  }
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    // A Date or other class instance is rebuilt from its own keys, as it always was.
    let changed = !isPlain(value);
    for (let i = 1; !changed && i < keys.length; i++)
      if ((keys[i - 1] as string) >= (keys[i] as string)) changed = true;
    if (changed) keys.sort();
    const values: unknown[] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const v = obj[key];
      // Assigning `__proto__` below drops it, as the copy always did.
      if (v === undefined || key === '__proto__') changed = true;
      const s = v !== null && typeof v === 'object' ? sortKeys(v) : v;
      if (s !== v) changed = true;
      values[i] = s;
    }
    if (!changed) return value;
    const out: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++)
      if (values[i] !== undefined) out[keys[i] as string] = values[i];
    return out;
  }
  return value;
}

export function sha256Hex(text: string | Buffer): string {
  // One-shot (no Hash object): the same digest, computed on every webhook.
  return hash('sha256', text, 'hex');
}

export function contentHash(t: Ticket): string {
  return sha256Hex(canonicalJson(normalizeTicket(t)));
}

/**
 * `contentHash(t)`, and `JSON.stringify(t)` when that is the very text hashed:
 * a ticket already normalized, with its keys in order at every depth (as the
 * webhook parser builds it), is serialized once for both, not once for the
 * hash and again to be stored.
 */
export function contentHashAndJson(t: Ticket): { hash: string; json: string | undefined } {
  const canonical = sortKeys(normalizeTicket(t));
  const text = JSON.stringify(canonical);
  return { hash: sha256Hex(text), json: canonical === t ? text : undefined };
}
