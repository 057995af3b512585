/**
 * Personal data and secrets replaced by placeholders before text reaches a
 * model (QC_REDACT). A placeholder is stable within one scope (one ticket, or
 * one request): the same value always becomes the same `[EMAIL_1]`, so the
 * grader can still tell "the same address twice" from "two addresses".
 *
 * The rules work on plain text and on JSON-encoded text alike (the ticket is
 * sent as JSON inside its delimiter): a secret value ends at a line break,
 * an escaped line break (`\n`) or a double quote, so redaction never eats
 * JSON structure.
 */

export const REDACT_KINDS = ['email', 'phone', 'card', 'iban', 'ip', 'secret'] as const;
export type RedactKind = (typeof REDACT_KINDS)[number];

/** value → placeholder, per kind; share one table across a scope's texts. */
export type RedactTable = Map<RedactKind, Map<string, string>>;

export function newRedactTable(): RedactTable {
  return new Map();
}

function placeholder(table: RedactTable, kind: RedactKind, value: string): string {
  let byValue = table.get(kind);
  if (!byValue) {
    byValue = new Map();
    table.set(kind, byValue);
  }
  let p = byValue.get(value);
  if (!p) {
    p = `[${kind.toUpperCase()}_${byValue.size + 1}]`;
    byValue.set(value, p);
  }
  return p;
}

/** A placeholder as this module writes it; never redacted again. */
const PLACEHOLDER = /\[(?:EMAIL|PHONE|CARD|IBAN|IP|SECRET)_\d+\]/;

const digitsOf = (s: string) => s.replace(/\D/g, '');

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** ISO 13616 mod-97 check on a compact IBAN. */
function ibanValid(compact: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(compact)) return false;
  const moved = compact.slice(4) + compact.slice(0, 4);
  let rest = 0;
  for (const ch of moved) {
    const n = /\d/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const d of n) rest = (rest * 10 + Number(d)) % 97;
  }
  return rest === 1;
}

interface Rule {
  kind: RedactKind;
  pattern: RegExp;
  /** The part of the match to replace and whether it is really one (checksums). */
  pick: (m: RegExpExecArray) => { value: string; offset: number } | undefined;
}

const whole = (accept: (s: string) => boolean) => (m: RegExpExecArray) =>
  accept(m[0]) ? { value: m[0], offset: 0 } : undefined;

/** In application order: secrets and cards before phones, which would match their digits. */
const RULES: Rule[] = [
  {
    kind: 'secret',
    // "anything after password:" — to the end of the line (raw or JSON-escaped) or a quote.
    pattern:
      /\b(?:password|passwd|passcode|pwd|pw)\s*[:=]\s*((?:(?!\\[nr"]|\\u00)[^\n\r"])*[^\s"\\])/gi,
    pick: (m) => {
      const value = m[1];
      if (!value || PLACEHOLDER.test(value)) return undefined;
      return { value, offset: m[0].length - value.length };
    },
  },
  {
    kind: 'card',
    pattern: /(?<![\w.])\d(?:[ -]?\d){12,18}(?!\w|\.\d)/g,
    pick: whole((s) => {
      const d = digitsOf(s);
      return d.length >= 13 && d.length <= 19 && luhnValid(d);
    }),
  },
  {
    kind: 'iban',
    pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g,
    pick: whole((s) => ibanValid(s.replace(/ /g, ''))),
  },
  {
    kind: 'email',
    pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g,
    pick: whole(() => true),
  },
  {
    kind: 'ip',
    pattern:
      /(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\w|\.\d)|(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}(?![\w:])|(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}:){0,5}[0-9A-Fa-f]{1,4}(?![\w:])/g,
    pick: whole(() => true),
  },
  {
    kind: 'phone',
    // +44 20 7946 0958 · (555) 123-4567 · 555-123-4567 · 07700 900123 · +4915112345678
    pattern:
      /(?<![\w+.:/-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{2,5}(?:[ .-]\d{2,5}){0,4}(?!\w|[.:/-]\w)/g,
    pick: whole((s) => {
      const d = digitsOf(s);
      if (d.length < 9 || d.length > 15) return false;
      if (/^\d{4}-\d{2}-\d{2}/.test(s)) return false; // a date
      // A long digit run without a + or separators is an id, not a phone.
      return /^\+|[ ().-]/.test(s) || /^0\d{9,10}$/.test(d);
    }),
  },
];

export class Redactor {
  readonly kinds: ReadonlySet<RedactKind>;

  constructor(kinds: Iterable<RedactKind>) {
    this.kinds = new Set(kinds);
  }

  get enabled(): boolean {
    return this.kinds.size > 0;
  }

  /** `text` with every enabled kind replaced by its placeholder from `table`. */
  text(text: string, table: RedactTable): string {
    let out = text;
    for (const rule of RULES) {
      if (!this.kinds.has(rule.kind)) continue;
      out = out.replace(rule.pattern, (...args: unknown[]) => {
        const match = args[0] as string;
        const groups = args.slice(1, -2) as (string | undefined)[];
        const m = Object.assign([match, ...groups], { index: 0, input: match }) as RegExpExecArray;
        if (PLACEHOLDER.test(match) && rule.kind !== 'secret') return match;
        const hit = rule.pick(m);
        if (!hit) return match;
        return (
          match.slice(0, hit.offset) +
          placeholder(table, rule.kind, hit.value) +
          match.slice(hit.offset + hit.value.length)
        );
      });
    }
    return out;
  }

  /** Every string in a JSON value, redacted with one table (e.g. a tool input). */
  deep(value: unknown, table: RedactTable): unknown {
    if (typeof value === 'string') return this.text(value, table);
    if (Array.isArray(value)) return value.map((v) => this.deep(v, table));
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, this.deep(v, table)]),
      );
    }
    return value;
  }
}

/** `QC_REDACT=email,phone,…` (or `all`) → the kinds; unknown names are refused. */
export function parseRedactKinds(text: string): RedactKind[] | string {
  const names = text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (names.includes('all')) return [...REDACT_KINDS];
  const unknown = names.filter((n) => !(REDACT_KINDS as readonly string[]).includes(n));
  if (unknown.length > 0)
    return `unknown kind(s) ${unknown.join(', ')}; use ${REDACT_KINDS.join(',')} or all`;
  return [...new Set(names)] as RedactKind[];
}
