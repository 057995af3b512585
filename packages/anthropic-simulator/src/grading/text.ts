/** Small text helpers for the grading rules. Quotes are exact substrings of the ticket. */

export interface Hit {
  /** The text that was searched (a ticket field). */
  source: string;
  index: number;
  match: string;
}

const NEGATION =
  /\b(no|not|never|without|nor|isn't|wasn't|aren't|weren't|didn't|doesn't|ruled out|no sign of|no evidence of)\b[^.!?\n]{0,24}$/i;

export function wordCount(text: string): number {
  return text.trim() === '' ? 0 : text.trim().split(/\s+/).length;
}

function globalCopy(re: RegExp): RegExp {
  return new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
}

/**
 * First match of `re` across `sources`, in order. With `negatable`, a match
 * preceded closely by a negation ("no sign of ransomware") is skipped.
 */
export function findHit(
  sources: readonly string[],
  re: RegExp,
  opts: { negatable?: boolean } = {},
): Hit | undefined {
  for (const source of sources) {
    for (const m of source.matchAll(globalCopy(re))) {
      const index = m.index ?? 0;
      if (opts.negatable && NEGATION.test(source.slice(Math.max(0, index - 40), index))) continue;
      return { source, index, match: m[0] };
    }
  }
  return undefined;
}

/** First match of `re` (with capture groups) that `accept` keeps, e.g. a name not in a stop list. */
export function findHitWhere(
  sources: readonly string[],
  re: RegExp,
  accept: (m: RegExpMatchArray) => boolean,
  opts: { negatable?: boolean } = {},
): Hit | undefined {
  for (const source of sources) {
    for (const m of source.matchAll(globalCopy(re))) {
      const index = m.index ?? 0;
      if (opts.negatable && NEGATION.test(source.slice(Math.max(0, index - 40), index))) continue;
      if (accept(m)) return { source, index, match: m[0] };
    }
  }
  return undefined;
}

export function allHits(sources: readonly string[], re: RegExp): Hit[] {
  return sources.flatMap((source) =>
    [...source.matchAll(globalCopy(re))].map((m) => ({ source, index: m.index ?? 0, match: m[0] })),
  );
}

/** A sentence ends at a newline, or at . ! ? followed by whitespace (not inside "7.0.1" or "tom.reid"). */
function endsSentence(source: string, i: number): boolean {
  const c = source[i];
  if (c === '\n') return true;
  if (c !== '.' && c !== '!' && c !== '?') return false;
  const next = source[i + 1];
  return next === undefined || /\s/.test(next);
}

/** The sentence around a hit, cut to `max` characters on word boundaries. */
export function quote(hit: Hit | undefined, max = 160): string {
  if (!hit) return '';
  const { source, index, match } = hit;
  let start = index;
  while (start > 0 && !endsSentence(source, start - 1)) start--;
  let end = index + match.length;
  while (end < source.length && !endsSentence(source, end)) end++;
  if (end < source.length && source[end] !== '\n') end++;
  if (end - start > max) {
    start = Math.max(start, index - Math.floor(max / 3));
    end = Math.min(end, start + max);
    while (start < index && source[start - 1] !== undefined && /\S/.test(source[start - 1] ?? ''))
      start++;
    while (end > index + match.length && /\S/.test(source[end] ?? '')) end--;
  }
  return source.slice(start, end).trim();
}

export function firstSentence(text: string, max = 160): string {
  const trimmed = text.trimStart();
  if (trimmed === '') return '';
  return quote({ source: trimmed, index: 0, match: trimmed.slice(0, 1) }, max);
}

/** Joins phrases as "a, b and c". */
export function listPhrase(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
