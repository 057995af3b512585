import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Verdict } from '../context/verdict.js';
import { sha256Hex } from '../ticket/hash.js';

/**
 * The note a technician reads, rendered from a plain-text template in
 * `context/writeback/` (a lead edits it; it is not a context version, so the
 * chief of staff cannot propose changes to it). Rules: `#` lines are
 * comments; a line whose placeholders are all empty is dropped; a line with a
 * list placeholder repeats once per item.
 */

export interface NoteTemplates {
  qc: string;
  triage: string;
}

const DEFAULT_TEMPLATES: NoteTemplates = {
  qc: [
    '{{heading}}: {{outcome}}, score {{score}}/100',
    'Not met - {{criterion}}: {{missing}}',
    'Escalated ({{rule}}): {{reason}}',
    'Review: {{link}}',
    '{{marker}}',
  ].join('\n'),
  triage: [
    '{{heading}}: intake is missing information',
    'Missing - {{field}}',
    'Ask the customer: {{question}}',
    '{{marker}}',
  ].join('\n'),
};

export async function loadTemplates(contextDir: string): Promise<NoteTemplates> {
  const read = (f: string, fallback: string) =>
    readFile(path.join(contextDir, 'writeback', f), 'utf8').catch(() => fallback);
  return {
    qc: await read('qc-note.txt', DEFAULT_TEMPLATES.qc),
    triage: await read('triage-note.txt', DEFAULT_TEMPLATES.triage),
  };
}

type Scalars = Record<string, string>;
type Lists = Record<string, Scalars[]>;

const PLACEHOLDER = /\{\{([a-z_]+)\}\}/g;
/** One line, one item: no newlines or control characters from model output. */
const oneLine = (s: string, max = 300) => {
  const flat = s
    .replace(/\p{Cc}+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

function renderTemplate(template: string, scalars: Scalars, lists: Lists): string {
  const out: string[] = [];
  for (const line of template.split(/\r?\n/)) {
    if (line.startsWith('#')) continue;
    const names = [...line.matchAll(PLACEHOLDER)].map((m) => m[1] as string);
    if (names.length === 0) {
      if (line.trim()) out.push(line);
      continue;
    }
    const listName = Object.keys(lists).find((l) =>
      names.some((n) => lists[l]?.[0]?.[n] !== undefined || n === l),
    );
    const rows = listName ? (lists[listName] ?? []) : [{}];
    for (const row of rows) {
      const values = names.map((n) => row[n] ?? scalars[n] ?? '');
      if (values.every((v) => v === '')) continue;
      out.push(line.replace(PLACEHOLDER, (_, n: string) => row[n] ?? scalars[n] ?? '').trimEnd());
    }
  }
  return out.join('\n');
}

const OUTCOME_WORD = { pass: 'PASS', fail: 'FAIL', escalate: 'ESCALATED' } as const;

export interface QcNoteInput {
  verdict: Verdict;
  noteKind: 'new' | 'updated';
  link?: string | undefined;
  marker: string;
  /** Criterion id → its name in rubric.md, when known. */
  criterionNames?: Record<string, string>;
}

/** Criteria not met: missing, or partial (a partial criterion still lost points). */
function notMet(v: Verdict) {
  return v.criteria.filter((c) => c.result === 'missing' || c.result === 'partial');
}

export function renderQcNote(template: string, input: QcNoteInput): string {
  const v = input.verdict;
  return renderTemplate(
    template,
    {
      heading: input.noteKind === 'updated' ? 'ticket-qc verdict (updated)' : 'ticket-qc verdict',
      outcome: OUTCOME_WORD[v.outcome],
      score: String(v.score),
      link: input.link ?? '',
      marker: input.marker,
    },
    {
      criterion: notMet(v).map((c) => ({
        criterion: oneLine(input.criterionNames?.[c.criterion] ?? c.criterion, 80),
        missing: oneLine(c.missing || (c.result === 'partial' ? 'only partly done' : 'not done')),
      })),
      rule: v.escalations.map((e) => ({ rule: oneLine(e.rule, 80), reason: oneLine(e.reason) })),
    },
  );
}

/**
 * What a note says that matters: equal fingerprints mean a regrade has
 * nothing new to tell the technician (wording of the model's prose aside).
 */
export function qcFingerprint(v: Verdict): string {
  return sha256Hex(
    JSON.stringify({
      outcome: v.outcome,
      score: v.score,
      notMet: notMet(v)
        .map((c) => `${c.criterion}:${c.result}`)
        .sort(),
      escalations: v.escalations.map((e) => e.rule).sort(),
    }),
  );
}

export interface TriageNoteInput {
  missing: string[];
  question: string | null;
  marker: string;
}

const FIELD_LABELS: Record<string, string> = {
  affected_user: 'who is affected (name or role)',
  device: 'which device, system or mailbox',
  impact: 'the impact (what they cannot do, how many are affected)',
  steps_tried: 'what the customer has already tried',
  contact_window: 'when and how to reach the customer',
};

export function renderTriageNote(template: string, input: TriageNoteInput): string {
  return renderTemplate(
    template,
    {
      heading: 'ticket-qc triage',
      question: input.question ? oneLine(input.question) : '',
      marker: input.marker,
    },
    { field: input.missing.map((f) => ({ field: FIELD_LABELS[f] ?? oneLine(f, 80) })) },
  );
}

export function triageFingerprint(missing: string[]): string {
  return sha256Hex(JSON.stringify([...missing].sort()));
}

/** The marker our notes end with, which the echo filter also recognises. */
export function markerOf(outboxId: number): string {
  return `[ticket-qc:note=${outboxId}]`;
}
