/**
 * Reads the ids and the few machine-readable lines out of the context files.
 * Everything a worker judges by is prose in these files; only the ids (which
 * become enums in the tool schema and categories in agent_events) and a few
 * `Key: value` lines are parsed.
 */

export interface Section {
  id: string;
  title: string;
  body: string;
}

const HEADING = /^##\s+`([a-z][a-z0-9_]*)`\s*(?:[—–-]\s*)?(.*)$/;

export function parseSections(markdown: string): Section[] {
  const sections: Section[] = [];
  let current: Section | undefined;
  for (const line of markdown.split(/\r?\n/)) {
    const m = HEADING.exec(line);
    if (m?.[1]) {
      current = { id: m[1], title: (m[2] ?? '').trim(), body: '' };
      sections.push(current);
    } else if (/^#{1,2}\s/.test(line)) {
      current = undefined; // a heading without an id ends the section
    } else if (current) {
      current.body += `${line}\n`;
    }
  }
  return sections;
}

function field(body: string, key: string): string | undefined {
  const m = new RegExp(`^\\s*(?:[-*]\\s*)?\\**${key}\\**\\s*:\\s*\\**\\s*(.+?)\\s*$`, 'im').exec(
    body,
  );
  return m?.[1]?.replace(/\*+$/, '').trim();
}

const yes = (v: string | undefined) => /^yes\b/i.test(v ?? '');

export interface Criterion {
  id: string;
  title: string;
  weight: number;
  autoFail: boolean;
  /** False when the criterion's text says "n/a: never"; auto-fail criteria are never n/a. */
  naAllowed: boolean;
}
export interface EscalationRule {
  id: string;
  title: string;
  secondOpinion: boolean;
}
export interface Pattern {
  id: string;
  title: string;
  relatedCriteria: string[];
}

export class ContextParseError extends Error {
  override name = 'ContextParseError';
}

function unique<T extends { id: string }>(file: string, items: T[]): T[] {
  const seen = new Set<string>();
  for (const it of items) {
    if (seen.has(it.id)) throw new ContextParseError(`${file}: id \`${it.id}\` appears twice`);
    seen.add(it.id);
  }
  if (items.length === 0) throw new ContextParseError(`${file}: no \`id\` headings found`);
  return items;
}

export function parseRubric(md: string): Criterion[] {
  return unique(
    'rubric.md',
    parseSections(md).map((s) => {
      const weight = Number(field(s.body, 'Weight'));
      if (!Number.isFinite(weight) || weight < 0) {
        throw new ContextParseError(`rubric.md: \`${s.id}\` has no valid "Weight: N" line`);
      }
      const autoFail = yes(field(s.body, 'Auto-fail'));
      const naNever = /^never\b/i.test(field(s.body, 'n/a') ?? '');
      return { id: s.id, title: s.title, weight, autoFail, naAllowed: !autoFail && !naNever };
    }),
  );
}

/**
 * The rubric's "Minimum applicable criteria: N" line: a verdict with fewer
 * criteria that are not `n/a` is not a grade. Without the line the minimum
 * is 1 — a score over no criteria is not a score — so a context that says
 * nothing still never turns an all-`n/a` verdict into a pass.
 */
export function parseMinApplicable(md: string): number {
  const raw = field(md, 'Minimum applicable criteria');
  if (raw === undefined) return 1;
  const n = Number(/^\d+/.exec(raw)?.[0]);
  if (!Number.isInteger(n) || n < 1) {
    throw new ContextParseError(
      `rubric.md: "Minimum applicable criteria: ${raw}" is not a whole number ≥ 1`,
    );
  }
  return n;
}

export function parseEscalation(md: string): EscalationRule[] {
  return unique(
    'escalation.md',
    parseSections(md).map((s) => ({
      id: s.id,
      title: s.title,
      secondOpinion: yes(field(s.body, 'Second opinion')),
    })),
  );
}

export function parsePatterns(md: string): Pattern[] {
  return unique(
    'patterns.md',
    parseSections(md).map((s) => ({
      id: s.id,
      title: s.title,
      relatedCriteria: [
        ...(field(s.body, 'Related criteria') ?? '').matchAll(/`([a-z][a-z0-9_]*)`/g),
      ]
        .map((m) => m[1])
        .filter((x): x is string => Boolean(x)),
    })),
  );
}

/** The ids listed under an agent file's `## Failure categories` heading. */
export function parseAgentCategories(md: string): string[] {
  const lines = md.split(/\r?\n/);
  const start = lines.findIndex((l) => /^##\s+Failure categories\s*$/i.test(l));
  if (start < 0) return [];
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^#{1,2}\s/.test(line)) break;
    const m = /^\s*[-*]\s+`([a-z][a-z0-9_]*)`/.exec(line);
    if (m?.[1]) out.push(m[1]);
  }
  return out;
}

/** The pass mark when the rubric names none. */
export const DEFAULT_PASS_THRESHOLD = 70;

/**
 * The rubric's pass mark: a `Pass threshold: N` line, else the "score below N
 * → fail" step of its scoring rule, else 70. The simulator reads the rubric it
 * is sent the same way (packages/anthropic-simulator/src/grading/vocab.ts).
 */
export function parsePassThreshold(rubric: string): number {
  const line = /^\s*(?:[-*]\s*)?\**Pass threshold\**\s*:\s*\**\s*(\d+)/im.exec(rubric)?.[1];
  const rule = /^\s*(?:[-*]\s*)?score below (\d+)\b/im.exec(rubric)?.[1];
  const n = Number(line ?? rule ?? DEFAULT_PASS_THRESHOLD);
  return n >= 0 && n <= 100 ? n : DEFAULT_PASS_THRESHOLD;
}
