import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** The files a QC call sends as its cached prefix, in prompt order. */
export const QC_FILES = [
  'agents/qc-worker.md',
  'rubric.md',
  'escalation.md',
  'patterns.md',
  'standards.md',
] as const;
export type QcFile = (typeof QC_FILES)[number];

export const QC_AGENT = 'qc-worker';

/** The QC worker's own failure kinds: declared here, in code, not in a file. */
export const QC_FAILURE_KINDS = [
  'schema_invalid',
  'low_confidence',
  'shadow_disagreement',
  'override',
  'invalid_output',
  'api_error',
  'timeout',
  'budget_stop',
] as const;
export type QcFailureKind = (typeof QC_FAILURE_KINDS)[number];

/**
 * Failures of the machinery, not of the context: a malformed answer (repaired
 * or not), an API fault, a timeout, a budget stop. No prompt revision fixes
 * them; they go to an operator notice, never to a proposal (issue 11).
 */
export const OPERATIONAL_KINDS: readonly QcFailureKind[] = [
  'schema_invalid',
  'invalid_output',
  'api_error',
  'timeout',
  'budget_stop',
];
export const isOperational = (category: string): boolean =>
  (OPERATIONAL_KINDS as readonly string[]).includes(category);

export function agentOfFile(file: string): string | undefined {
  const m = /^agents\/([a-z0-9-]+)\.md$/.exec(file);
  return m?.[1];
}

/** Every `.md` under the context directory (one level of `agents/`), as relative paths. */
export async function readContextDir(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const top = await readdir(dir, { withFileTypes: true });
  for (const entry of top) {
    if (entry.isFile() && entry.name.endsWith('.md') && entry.name !== 'README.md') {
      out.set(entry.name, await readFile(path.join(dir, entry.name), 'utf8'));
    }
  }
  const agentsDir = path.join(dir, 'agents');
  const agents = await readdir(agentsDir, { withFileTypes: true }).catch(() => []);
  for (const entry of agents) {
    if (entry.isFile() && entry.name.endsWith('.md')) {
      out.set(`agents/${entry.name}`, await readFile(path.join(agentsDir, entry.name), 'utf8'));
    }
  }
  return out;
}
