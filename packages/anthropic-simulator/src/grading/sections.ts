import type { Hit } from './text.js';

/**
 * Labelled parts of a note. standards.md asks every solved ticket for one
 * internal resolution note with the parts Problem, Request, Work, Cause,
 * Verified and Follow-up ("headings are optional; the content is not"), and
 * triage.md asks for five labelled lines (Category, Priority, Affected,
 * Impact, Next step). When a note uses those labels the grader reads what is
 * written under each one, the way a reader would, instead of guessing from
 * keywords alone.
 */

export interface Section {
  /** The text after the label, up to the next label (trimmed). */
  text: string;
  /** Where it was found, so evidence can quote the note. */
  hit: Hit;
}

export const RESOLUTION_LABELS: Record<string, string> = {
  problem: 'problem|issue|symptoms?',
  request: 'request(?:ed)?|requested by|ask',
  work: 'work(?: done| performed)?|actions?(?: taken)?|steps(?: taken)?|resolution|fix',
  cause: 'root[- ]cause|cause',
  verified: 'verified|verification|tested|test',
  follow_up: 'follow[- ]?ups?|next steps?|outstanding|open items?',
};

export const TRIAGE_LABELS: Record<string, string> = {
  category: 'category',
  priority: 'priority',
  affected: 'affected(?: users?)?|who|users?',
  impact: 'impact',
  next_step: 'next steps?|action',
};

function labelRe(labels: Record<string, string>): RegExp {
  const alternatives = Object.values(labels).join('|');
  // A label starts a line or follows a sentence end or a semicolon, may carry bullet or
  // Markdown marks ("- ", "**Cause:**"), and is followed by ':'.
  return new RegExp(
    `(^|[\\n.;!?]\\s*)((?:[-*•#>]+\\s*)?)(${alternatives})\\s*\\**\\s*:\\s*\\**`,
    'gim',
  );
}

function nameOf(labels: Record<string, string>, label: string): string | undefined {
  for (const [name, alternatives] of Object.entries(labels)) {
    if (new RegExp(`^(${alternatives})$`, 'i').test(label.trim())) return name;
  }
  return undefined;
}

/** Labels specific enough to count on their own ("Cause: …", "Follow-up: …"). */
const STRONG =
  /^(root[- ]cause|cause|verified|verification|follow[- ]?ups?|next steps?|affected(?: users?)?|impact)$/i;

/**
 * The labelled parts of `texts` (later texts win: the final resolution note
 * is the one that counts). A text is read when it has at least `minLabels`
 * distinct labels or one strong label, so a stray "Note: …" or "Test: …" is
 * not a section.
 */
export function readSections(
  texts: readonly string[],
  labels: Record<string, string>,
  minLabels = 2,
): Map<string, Section> {
  const out = new Map<string, Section>();
  const re = labelRe(labels);
  for (const source of texts) {
    const marks: Array<{ name: string; label: string; start: number; contentStart: number }> = [];
    for (const m of source.matchAll(re)) {
      const name = nameOf(labels, m[3] ?? '');
      if (!name) continue;
      const start = (m.index ?? 0) + (m[1]?.length ?? 0);
      marks.push({ name, label: m[3] ?? '', start, contentStart: (m.index ?? 0) + m[0].length });
    }
    const strong = marks.filter((x) => STRONG.test(x.label));
    const enough = new Set(marks.map((x) => x.name)).size >= minLabels;
    for (const mark of enough ? marks : strong) {
      const next = marks.find((x) => x.start > mark.start)?.start ?? source.length;
      // A lone label in running text ends with its line.
      const eol = source.indexOf('\n', mark.contentStart);
      const end = enough || eol < 0 ? next : Math.min(next, eol);
      const text = source
        .slice(mark.contentStart, end)
        .trim()
        .replace(/[\s;*]+$/, '');
      out.set(mark.name, {
        text,
        hit: { source, index: mark.start, match: source.slice(mark.start, mark.contentStart) },
      });
    }
  }
  return out;
}

/** "none", "n/a", "-", "unknown", "TBC": a label with nothing behind it. */
export const EMPTY_VALUE =
  /^(none|nothing|n\/a|na|-+|—|tbc|tbd|unknown|not (known|stated|given|provided|specified|applicable)|\?+)?\.?$/i;
