import { readdirSync, readFileSync } from 'node:fs';

/**
 * The vocabulary of the repository's context/ files, read as text for the
 * simulator's tests: the ids the product sends in its record_verdict schema
 * come from these files, so the tests use the same ones without copying them.
 * The package still imports nothing from the product (src/); it only reads the
 * Markdown the product reads, with the heading and list conventions the
 * product's parser (src/context/parse.ts) documents.
 */

const CONTEXT = new URL('../../../context/', import.meta.url);

export function readContextFile(file: string): string {
  return readFileSync(new URL(file, CONTEXT), 'utf8');
}

/** The ids of the `## \`id\` — Title` headings, in order. */
function headingIds(file: string): string[] {
  return [...readContextFile(file).matchAll(/^##\s+`([a-z][a-z0-9_]*)`/gm)].map((m) => m[1] ?? '');
}

/** The `ids` listed under an agent file's `## Failure categories` heading. */
function failureCategories(file: string): string[] {
  const lines = readContextFile(file).split(/\r?\n/);
  const start = lines.findIndex((l) => /^##\s+Failure categories\s*$/i.test(l));
  const out: string[] = [];
  for (const line of start < 0 ? [] : lines.slice(start + 1)) {
    if (/^#{1,2}\s/.test(line)) break;
    const m = /^\s*[-*]\s+`([a-z][a-z0-9_]*)`/.exec(line);
    if (m?.[1]) out.push(m[1]);
  }
  return out;
}

function nonEmpty(ids: string[], what: string): [string, ...string[]] {
  const [first, ...rest] = ids;
  if (first === undefined) throw new Error(`context/ defines no ${what}`);
  return [first, ...rest];
}

/** Criterion ids of context/rubric.md, in rubric order. */
export const CRITERIA = nonEmpty(headingIds('rubric.md'), 'criteria');
/** Escalation rule ids of context/escalation.md. */
export const RULES = nonEmpty(headingIds('escalation.md'), 'escalation rules');
/** Pattern ids of context/patterns.md. */
export const PATTERNS = nonEmpty(headingIds('patterns.md'), 'patterns');
/** Other agents (context/agents/*.md except the QC worker's) → their failure categories. */
export const AGENT_CATEGORIES: Record<string, [string, ...string[]]> = Object.fromEntries(
  readdirSync(new URL('agents/', CONTEXT))
    .filter((f) => f.endsWith('.md') && f !== 'qc-worker.md')
    .sort()
    .map((f) => [
      f.slice(0, -3),
      nonEmpty(failureCategories(`agents/${f}`), `failure categories in agents/${f}`),
    ]),
);
