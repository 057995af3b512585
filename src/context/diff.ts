import { applyPatch, createTwoFilesPatch } from 'diff';

/**
 * Unified diffs of context files, computed by the product with the `diff`
 * library (never written by a model), so a reviewer reads exactly what
 * approval would change and `git apply`/`patch` accept it.
 */

/** Line endings and trailing whitespace are not a revision. */
export function normalizeText(text: string): string {
  return `${text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trimEnd()}\n`;
}

export function unifiedDiff(file: string, before: string, after: string, context = 3): string {
  return createTwoFilesPatch(
    `a/context/${file}`,
    `b/context/${file}`,
    before,
    after,
    undefined,
    undefined,
    { context },
  );
}

/** Hunks in a unified diff (0 = nothing would change). */
export function hunkCount(patch: string): number {
  return patch.split('\n').filter((l) => l.startsWith('@@')).length;
}

export function changedLines(patch: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const l of patch.split('\n')) {
    if (l.startsWith('+') && !l.startsWith('+++')) added++;
    else if (l.startsWith('-') && !l.startsWith('---')) removed++;
  }
  return { added, removed };
}

/** Applies a stored diff to a file; false when it no longer applies cleanly. */
export function applyDiff(current: string, patch: string): string | false {
  return applyPatch(current, patch);
}

const GREEN = '\u001b[32m';
const RED = '\u001b[31m';
const CYAN = '\u001b[36m';
const BOLD = '\u001b[1m';
const RESET = '\u001b[0m';

/** Colours a unified diff for a terminal (the CLI only colours on a TTY). */
export function colorDiff(patch: string): string {
  return patch
    .split('\n')
    .map((l) => {
      if (l.startsWith('+++') || l.startsWith('---')) return `${BOLD}${l}${RESET}`;
      if (l.startsWith('@@')) return `${CYAN}${l}${RESET}`;
      if (l.startsWith('+')) return `${GREEN}${l}${RESET}`;
      if (l.startsWith('-')) return `${RED}${l}${RESET}`;
      return l;
    })
    .join('\n');
}
