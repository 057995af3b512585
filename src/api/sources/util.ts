import { z } from 'zod';

/**
 * Small pieces the vendor adapters share: lenient timestamp parsing (vendors
 * disagree on ISO-8601), id coercion, and HTML / rich text flattened to the
 * plain text the grader reads.
 */

const TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

const pad = (n: string, len = 2) => n.padStart(len, '0');

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Any of `2024-05-02T09:15:00Z`, `…+02:00`, `…+0200` (Jira), `2024-05-02
 * 09:15:00` (ServiceNow, UTC) → a normalized ISO-8601 UTC string. Impossible
 * calendar dates (Feb 31) and years PostgreSQL or the grader would not expect
 * (before 1970) are refused rather than silently rolled over.
 */
export function toIsoTime(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = TIME.exec(value.trim());
  if (!m) return undefined;
  const [, y = '', mo = '', d = '', h = '', mi = '', s = '00', frac = '', offset = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month))
    return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  const off = offset.toUpperCase() === 'Z' ? 'Z' : `${offset.slice(0, 3)}:${offset.slice(-2)}`;
  if (off !== 'Z' && (Number(off.slice(1, 3)) > 14 || Number(off.slice(4)) > 59)) return undefined;
  const ms = frac ? `.${frac.slice(0, 3).padEnd(3, '0')}` : '';
  const date = new Date(`${y}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}${ms}${off}`);
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() > 9999) return undefined;
  return date.toISOString();
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const AFTER_9999 = Date.UTC(10000, 0, 1);

/** Two ASCII digits at `i` as a number, or -1. */
function twoDigits(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * `isIsoTime` for the form nearly every webhook sends, `YYYY-MM-DDTHH:MM:SSZ`,
 * read digit by digit (no regular expression, no substrings); undefined for
 * any other form, which the general path decides. The checks are the same:
 * a four-digit year in UTC cannot pass year 9999.
 */
function canonicalUtcTime(v: string): boolean | undefined {
  if (
    v.length !== 20 ||
    v.charCodeAt(4) !== 45 || // -
    v.charCodeAt(7) !== 45 ||
    v.charCodeAt(10) !== 84 || // T
    v.charCodeAt(13) !== 58 || // :
    v.charCodeAt(16) !== 58 ||
    v.charCodeAt(19) !== 90 // Z
  )
    return undefined;
  const century = twoDigits(v, 0);
  const yy = twoDigits(v, 2);
  const month = twoDigits(v, 5);
  const day = twoDigits(v, 8);
  const h = twoDigits(v, 11);
  const mi = twoDigits(v, 14);
  const s = twoDigits(v, 17);
  if (century < 0 || yy < 0 || month < 0 || day < 0 || h < 0 || mi < 0 || s < 0) return undefined;
  const year = century * 100 + yy;
  if (year < 1970 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : (DAYS[month - 1] ?? 0))) return false;
  return h <= 23 && mi <= 59 && s <= 59;
}

/**
 * Whether `toIsoTime(value)` gives a time — the same checks, without parsing
 * a Date from text or building the normalized string (validation runs it on
 * every timestamp of every webhook).
 */
export function isIsoTime(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const fast = canonicalUtcTime(value);
  if (fast !== undefined) return fast;
  const m = TIME.exec(value.trim());
  if (!m) return false;
  const [, y = '', mo = '', d = '', h = '', mi = '', s = '00', , offset = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (year < 1970 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : (DAYS[month - 1] ?? 0))) return false;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return false;
  let offsetMinutes = 0;
  if (offset.toUpperCase() !== 'Z') {
    const oh = Number(offset.slice(1, 3));
    const om = Number(offset.slice(-2));
    if (oh > 14 || om > 59) return false;
    offsetMinutes = (offset[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const at =
    Date.UTC(year, month - 1, day, Number(h), Number(mi), Number(s)) - offsetMinutes * 60_000;
  // toIsoTime refuses an instant past year 9999 (an offset can carry 9999-12-31 over).
  return at < AFTER_9999;
}

/** A vendor timestamp field: normalized, or a path-specific validation issue. */
export const vendorTime = z.string().transform((s, ctx) => {
  const t = toIsoTime(s);
  if (!t) {
    ctx.addIssue({ code: 'custom', message: 'not a timestamp (ISO-8601, year 1970 or later)' });
    return z.NEVER;
  }
  return t;
});

/** Vendor ids arrive as numbers or strings; ours are strings. */
export const vendorId = z
  .union([z.string().trim().min(1).max(200), z.number().int().nonnegative()])
  .transform((v) => String(v));

/** Optional free text that some vendors send as null. */
export const optText = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  '#39': "'",
};

/** Enough HTML → text for grading: block breaks become newlines, tags go. */
export function htmlToText(html: string): string {
  if (!/[<&]/.test(html)) return html;
  return html
    .replace(/<\s*(br|\/p|\/div|\/li|\/h\d)\s*\/?>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#?\w+);/g, (all, name: string) => ENTITIES[name.toLowerCase()] ?? all)
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * Atlassian Document Format (Jira REST v3 and some webhooks) → text. Depth is
 * bounded so a hostile document cannot recurse us off the stack.
 */
export function adfToText(node: unknown, depth = 0): string {
  if (depth > 40 || node === null || typeof node !== 'object') return '';
  const n = node as { type?: unknown; text?: unknown; content?: unknown };
  if (typeof n.text === 'string') return n.text;
  const children = Array.isArray(n.content) ? n.content.map((c) => adfToText(c, depth + 1)) : [];
  const block = n.type === 'paragraph' || n.type === 'heading' || n.type === 'listItem';
  return children.join('') + (block ? '\n' : n.type === 'hardBreak' ? '\n' : '');
}

/** A scalar for `customFields`, or undefined when the vendor value is structured. */
export function scalar(v: unknown): string | number | boolean | null | undefined {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  return undefined;
}

/** Drops undefined values so `exactOptional` canonical objects hash the same. */
export function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Map lookup that ignores inherited keys ("constructor" is not a status). */
export function lookup<V>(map: Record<string, V>, key: string | undefined): V | undefined {
  return key !== undefined && Object.hasOwn(map, key) ? map[key] : undefined;
}

type FieldValue = string | number | boolean | null;

/** `customFields` without the entries the vendor left unset. */
export function fieldsOf(o: Record<string, FieldValue | undefined>): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}
