import { fastTicket } from '../ticket/fast-parse.js';
import { Ticket } from '../ticket/schema.js';
import { type Issue, invalidBody } from './errors.js';
import { issuesOf } from './sources/types.js';
import { isIsoTime, toIsoTime } from './sources/util.js';

/**
 * The last gate before PostgreSQL: the canonical schema, plus what the schema
 * allows but PostgreSQL refuses — NUL characters and unpaired UTF-16
 * surrogates (JSONB and TEXT reject both) and impossible calendar dates.
 * Everything here is a 400 with the path, never a 500 from the database.
 */

const SUSPECT_JSON = /\\u(0000|d[89a-f])/i;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function walkStrings(
  value: unknown,
  path: string,
  visit: (s: string, path: string) => void,
  depth = 0,
): void {
  if (depth > 8) return; // the canonical ticket is shallow; parsed values only
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) walkStrings(v, `${path}.${i}`, visit, depth + 1);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      visit(k, `${path}.${k}`);
      walkStrings(v, `${path}.${k}`, visit, depth + 1);
    }
  }
}

/** `p` under `prefix` ('' for none), as an issue path. */
function pathAt(prefix: string, p: string): string {
  return prefix && p ? `${prefix}.${p}` : prefix || p;
}

const NOT_A_TIME = 'not a real calendar time from 1970 on';

/** A time that is present and not a real calendar time. */
function bad(v: string | undefined): boolean {
  return v !== undefined && !isIsoTime(v);
}

/**
 * The times that are not real calendar times, in field order. Every webhook
 * runs it: a path is built only for a time that fails.
 */
function timeIssues(t: Ticket, prefix: string): Issue[] {
  const issues: Issue[] = [];
  if (bad(t.createdAt)) issues.push({ path: pathAt(prefix, 'createdAt'), message: NOT_A_TIME });
  if (bad(t.updatedAt)) issues.push({ path: pathAt(prefix, 'updatedAt'), message: NOT_A_TIME });
  if (bad(t.closedAt)) issues.push({ path: pathAt(prefix, 'closedAt'), message: NOT_A_TIME });
  if (bad(t.triage?.at)) issues.push({ path: pathAt(prefix, 'triage.at'), message: NOT_A_TIME });
  for (let i = 0; i < t.comments.length; i++)
    if (bad(t.comments[i]?.at))
      issues.push({ path: pathAt(prefix, `comments.${i}.at`), message: NOT_A_TIME });
  for (let i = 0; i < t.timeEntries.length; i++)
    if (bad(t.timeEntries[i]?.at))
      issues.push({ path: pathAt(prefix, `timeEntries.${i}.at`), message: NOT_A_TIME });
  return issues;
}

/** Parses and checks a mapped ticket; throws ApiError('invalid_body') listing every bad path. */
export function validateTicket(input: unknown, prefix: string): Ticket {
  // The hand-written parser on the hot path; zod when it declines, for the verdict and the message.
  // Keys in code-unit order: contentHashAndJson then hashes and stores the ticket without a copy.
  const fast = fastTicket(input, 'codeUnits');
  let data: Ticket;
  let suspect: boolean;
  if (fast) {
    data = fast.ticket;
    suspect = fast.suspect;
  } else {
    const parsed = Ticket.safeParse(input);
    if (!parsed.success)
      throw invalidBody(issuesOf(parsed.error, prefix), 'the ticket is not valid');
    data = parsed.data;
    // JSON.stringify writes a NUL as \u0000 and a lone surrogate as \udXXX (and
    // nothing else that way but a literal backslash-u, a harmless false alarm):
    // one pass over the serialized ticket finds whether any path needs naming.
    suspect = SUSPECT_JSON.test(JSON.stringify(data));
  }
  const issues: Issue[] = timeIssues(data, prefix);
  if (suspect)
    walkStrings(data, '', (s, p) => {
      const path = pathAt(prefix, p.slice(1));
      if (s.includes('\u0000'))
        issues.push({ path, message: 'contains a NUL character, which cannot be stored' });
      else if (LONE_SURROGATE.test(s))
        issues.push({ path, message: 'contains an unpaired UTF-16 surrogate' });
    });
  if (issues.length) throw invalidBody(issues.slice(0, 50), 'the ticket cannot be stored');
  return data;
}

/**
 * A version stamped in the future (the help desk's clock running ahead, or a
 * forged value) would be the "latest" until that time and supersede every
 * genuine update before it. Beyond `skewMs` of allowance it is refused (400
 * invalid_body on `updatedAt`), nothing stored; QC_MAX_CLOCK_SKEW sets it.
 */
export function notInFuture(t: Ticket, prefix: string, nowMs: number, skewMs: number): Ticket {
  // The schema's ISO form parses as it is; toIsoTime only for what Date.parse would not read.
  let at = Date.parse(t.updatedAt);
  if (Number.isNaN(at)) at = Date.parse(toIsoTime(t.updatedAt) ?? t.updatedAt);
  if (Number.isFinite(at) && at > nowMs + skewMs) {
    const path = [prefix, 'updatedAt'].filter(Boolean).join('.');
    throw invalidBody(
      [
        {
          path,
          message: `is ${Math.round((at - nowMs) / 1000)} s in the future; more than the ${Math.round(skewMs / 1000)} s allowed for clock skew (QC_MAX_CLOCK_SKEW)`,
        },
      ],
      'the ticket is dated in the future',
    );
  }
  return t;
}
