/**
 * The documented CSV column mapping (src/batches/README.md): one flat row per
 * ticket, help-desk-export style. Headers are matched case-insensitively,
 * with `_`, `-`, `.` and spaces ignored, so `external_id`, `externalId` and
 * `External ID` are the same column. An empty cell means "absent".
 */

type Target =
  | { kind: 'field'; field: string; normalize?: 'enum' | 'bool' }
  | { kind: 'person'; who: 'requester' | 'assignee'; key: 'name' | 'email' | 'id' }
  | { kind: 'triage'; key: 'by' | 'kind' | 'notes' | 'at' }
  | { kind: 'json'; field: 'comments' | 'timeEntries' | 'customFields' }
  | { kind: 'tags' }
  | { kind: 'time'; key: 'minutes' | 'note' }
  | { kind: 'custom'; name: string }
  | { kind: 'gold' };

const field = (f: string, normalize?: 'enum' | 'bool'): Target =>
  normalize ? { kind: 'field', field: f, normalize } : { kind: 'field', field: f };

/** Column (normalized) → where its value goes in the canonical Ticket. */
const COLUMNS: Record<string, Target> = {
  source: field('source'),
  externalid: field('externalId'),
  id: field('externalId'),
  ticketid: field('externalId'),
  subject: field('subject'),
  description: field('description'),
  status: field('status', 'enum'),
  priority: field('priority', 'enum'),
  category: field('category'),
  organization: field('organization'),
  createdat: field('createdAt'),
  updatedat: field('updatedAt'),
  closedat: field('closedAt'),
  threadincomplete: field('threadIncomplete', 'bool'),
  requestername: { kind: 'person', who: 'requester', key: 'name' },
  requesteremail: { kind: 'person', who: 'requester', key: 'email' },
  requesterid: { kind: 'person', who: 'requester', key: 'id' },
  assigneename: { kind: 'person', who: 'assignee', key: 'name' },
  assigneeemail: { kind: 'person', who: 'assignee', key: 'email' },
  assigneeid: { kind: 'person', who: 'assignee', key: 'id' },
  triageby: { kind: 'triage', key: 'by' },
  triagekind: { kind: 'triage', key: 'kind' },
  triagenotes: { kind: 'triage', key: 'notes' },
  triageat: { kind: 'triage', key: 'at' },
  comments: { kind: 'json', field: 'comments' },
  timeentries: { kind: 'json', field: 'timeEntries' },
  customfields: { kind: 'json', field: 'customFields' },
  tags: { kind: 'tags' },
  timeminutes: { kind: 'time', key: 'minutes' },
  timenote: { kind: 'time', key: 'note' },
  gold: { kind: 'gold' },
};

/** Required in the header (source may come from `--source` instead). */
const REQUIRED_COLUMNS = ['externalId', 'subject', 'status', 'createdAt', 'updatedAt'];

const squash = (name: string) => name.toLowerCase().replace(/[\s_.-]/g, '');

export interface ColumnPlan {
  targets: (Target | undefined)[];
  ignored: string[];
}

/** Resolves a header row; throws with every missing required column named. */
export function planColumns(header: string[], hasSourceOption: boolean): ColumnPlan {
  const ignored: string[] = [];
  const targets = header.map((name): Target | undefined => {
    const known = COLUMNS[squash(name)];
    if (known) return known;
    const custom = /^(?:cf|custom)[_.](.+)$/i.exec(name.trim());
    if (custom?.[1]) return { kind: 'custom', name: custom[1] };
    ignored.push(name);
    return undefined;
  });
  const present = new Set(targets.flatMap((t) => (t?.kind === 'field' ? [t.field] : [])));
  const missing = REQUIRED_COLUMNS.filter((c) => !present.has(c));
  if (!hasSourceOption && !present.has('source')) missing.push('source (or --source)');
  if (missing.length) {
    throw new Error(`CSV header lacks required column(s): ${missing.join(', ')}`);
  }
  return { targets, ignored };
}

const enumValue = (v: string) =>
  v
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');

function boolValue(v: string): boolean | string {
  const s = v.trim().toLowerCase();
  if (['true', 'yes', 'y', '1'].includes(s)) return true;
  if (['false', 'no', 'n', '0'].includes(s)) return false;
  return v; // left as text: the ticket schema rejects it with a clear message
}

function parseJsonCell(column: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${column}: not valid JSON (${(err as Error).message})`);
  }
}

/**
 * One CSV record → the raw ticket object (validated by the caller) and the
 * raw gold value. Throws an Error naming the column for a broken JSON cell.
 */
export function recordToTicket(
  header: string[],
  plan: ColumnPlan,
  cells: string[],
): { ticket: Record<string, unknown>; gold: unknown } {
  const t: Record<string, unknown> = {};
  const people: Record<string, Record<string, string>> = {};
  const triage: Record<string, string> = {};
  const time: Record<string, string> = {};
  const custom: Record<string, string> = {};
  let gold: unknown;
  plan.targets.forEach((target, i) => {
    const cell = cells[i];
    if (!target || cell === undefined || cell.trim() === '') return;
    const column = header[i] ?? `column ${i + 1}`;
    switch (target.kind) {
      case 'field':
        t[target.field] =
          target.normalize === 'enum'
            ? enumValue(cell)
            : target.normalize === 'bool'
              ? boolValue(cell)
              : cell;
        break;
      case 'person':
        people[target.who] ??= {};
        (people[target.who] as Record<string, string>)[target.key] = cell.trim();
        break;
      case 'triage':
        triage[target.key] = target.key === 'kind' ? enumValue(cell) : cell;
        break;
      case 'json':
        t[target.field] = parseJsonCell(column, cell);
        break;
      case 'tags':
        t.tags = cell
          .split(/[;,]/)
          .map((s) => s.trim())
          .filter(Boolean);
        break;
      case 'time':
        time[target.key] = cell;
        break;
      case 'custom':
        custom[target.name] = cell;
        break;
      case 'gold':
        gold = parseJsonCell(column, cell);
        break;
    }
  });
  Object.assign(t, people);
  if (Object.keys(triage).length) t.triage = triage;
  if (time.minutes !== undefined) {
    const minutes = Number(time.minutes);
    const entry = {
      minutes: Number.isFinite(minutes) ? minutes : time.minutes,
      note: time.note ?? '',
    };
    t.timeEntries = [...((t.timeEntries as unknown[] | undefined) ?? []), entry];
  }
  if (Object.keys(custom).length) {
    t.customFields = {
      ...((t.customFields as Record<string, unknown> | undefined) ?? {}),
      ...custom,
    };
  }
  return { ticket: t, gold };
}
