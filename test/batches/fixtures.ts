import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Test files built from the example tickets, with externalIds varied so each
 * row is a distinct ticket. TQC_EXAMPLES_FILE points elsewhere while the
 * examples are being regenerated.
 */
export const EXAMPLES_FILE = process.env.TQC_EXAMPLES_FILE ?? 'examples/tickets.jsonl';

export interface ExampleRow {
  ticket: Record<string, unknown> & { externalId: string; source: string };
  gold?: unknown;
}

export function exampleRows(): ExampleRow[] {
  return readFileSync(EXAMPLES_FILE, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as ExampleRow);
}

/** Row i: example i mod n with externalId `<prefix>-<i>`; `updatedAt` kept. */
export function variedRow(examples: ExampleRow[], i: number, prefix = 'HIST'): ExampleRow {
  const ex = examples[i % examples.length] as ExampleRow;
  return { ...ex, ticket: { ...ex.ticket, externalId: `${prefix}-${i}` } };
}

/** The kinds of broken row the importer must refuse, each with its expected reason. */
export const BROKEN: { text: (i: number) => string; reason: RegExp }[] = [
  {
    text: (i) => `{"ticket": {"externalId": "BROKEN-${i}", "subject": "cut off`,
    reason: /invalid JSON/,
  },
  { text: () => '[1, 2, 3]', reason: /expected a JSON object/ },
  {
    text: (i) =>
      JSON.stringify({
        source: 'hist',
        externalId: `B-${i}`,
        subject: 's',
        status: 'resolved-ish',
        createdAt: '2026-01-01T00:00:00Z',
        updatedAt: '2026-01-01T00:00:00Z',
      }),
    reason: /^status: /,
  },
  {
    text: (i) =>
      JSON.stringify({
        ticket: { source: 'hist', externalId: `B-${i}`, subject: 's', status: 'closed' },
      }),
    reason: /^ticket\.createdAt: /,
  },
  {
    text: (i) =>
      JSON.stringify({
        ticket: {
          source: 'hist',
          externalId: `B-${i}`,
          subject: 's',
          status: 'closed',
          createdAt: '2026-01-01T00:00:00Z',
          updatedAt: '2026-01-01T00:00:00Z',
        },
        gold: { outcome: 'maybe', criteria: {} },
      }),
    reason: /^gold\.outcome: /,
  },
];

/**
 * Writes `n` rows, every `brokenEvery`-th one broken (cycling through BROKEN),
 * and a blank line every 1,000 rows so line numbers differ from row numbers.
 * Returns the 1-based line number and expected reason of each broken row.
 */
export async function writeJsonlFixture(
  dir: string,
  n: number,
  brokenEvery: number,
): Promise<{ file: string; broken: Map<number, RegExp> }> {
  const examples = exampleRows();
  const lines: string[] = [];
  const broken = new Map<number, RegExp>();
  for (let i = 0; i < n; i++) {
    if (i > 0 && i % 1000 === 0) lines.push('');
    if ((i + 1) % brokenEvery === 0) {
      const kind = BROKEN[Math.floor(i / brokenEvery) % BROKEN.length] as (typeof BROKEN)[number];
      lines.push(kind.text(i));
      broken.set(lines.length, kind.reason);
    } else {
      lines.push(JSON.stringify(variedRow(examples, i)));
    }
  }
  const file = path.join(dir, 'history.jsonl');
  await writeFile(file, `${lines.join('\n')}\n`);
  return { file, broken };
}

export const CSV_HEADER = [
  'source',
  'external_id',
  'subject',
  'description',
  'status',
  'priority',
  'category',
  'requester_name',
  'requester_email',
  'assignee_name',
  'assignee_email',
  'assignee_id',
  'organization',
  'created_at',
  'updated_at',
  'closed_at',
  'tags',
  'comments',
  'time_entries',
  'custom_fields',
  'triage_by',
  'triage_kind',
  'triage_notes',
  'triage_at',
  'thread_incomplete',
  'gold',
];

const cell = (v: unknown): string => {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** A ticket as one CSV record in the documented mapping (src/batches/README.md). */
export function csvRecord(row: ExampleRow): string {
  type Who = { name?: string; email?: string; id?: string } | undefined;
  const t = row.ticket as Record<string, unknown> & {
    requester?: Who;
    assignee?: Who;
    tags?: string[];
    triage?: { by?: string; kind?: string; notes?: string; at?: string };
  };
  return [
    t.source,
    t.externalId,
    t.subject,
    t.description,
    t.status,
    t.priority,
    t.category,
    t.requester?.name,
    t.requester?.email,
    t.assignee?.name,
    t.assignee?.email,
    t.assignee?.id,
    t.organization,
    t.createdAt,
    t.updatedAt,
    t.closedAt,
    (t.tags ?? []).join(';'),
    t.comments,
    t.timeEntries,
    t.customFields,
    t.triage?.by,
    t.triage?.kind,
    t.triage?.notes,
    t.triage?.at,
    t.threadIncomplete,
    row.gold,
  ]
    .map(cell)
    .join(',');
}
