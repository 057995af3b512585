import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { goldRows } from '../db/gold.js';
import type { Queryable } from '../db/pool.js';
import { Gold, readJsonl } from '../import/jsonl.js';
import { canonicalJson } from '../ticket/hash.js';
import { Ticket } from '../ticket/schema.js';

/**
 * A labeled set: JSONL rows `{"ticket": …, "gold": …}` (examples/tickets.jsonl
 * is one). Rows without gold cannot be scored and are counted, not graded;
 * invalid rows are reported with their line number.
 */

export interface LabeledItem {
  line: number;
  ticket: Ticket;
  gold: Gold;
}

export interface Dataset {
  file: string;
  sha256: string;
  items: LabeledItem[];
  unlabeled: number;
  invalid: { line: number; reason: string }[];
}

async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function loadDataset(file: string, limit?: number): Promise<Dataset> {
  const items: LabeledItem[] = [];
  const invalid: Dataset['invalid'] = [];
  let unlabeled = 0;
  for await (const row of readJsonl(file)) {
    if (!row.ok) invalid.push({ line: row.line, reason: row.reason });
    else if (!row.gold) unlabeled++;
    else items.push({ line: row.line, ticket: row.ticket, gold: row.gold });
    if (limit !== undefined && items.length >= limit) break;
  }
  return { file, sha256: await fileSha256(file), items, unlabeled, invalid };
}

/** `db`, `db:import` or `db:review`: the gold labels stored in PostgreSQL. */
export function isDbDataset(name: string): boolean {
  return /^db(:(import|review))?$/.test(name);
}

/**
 * The evaluation set kept in the database: gold labels from imports and the
 * reviewer verdicts team leads chose to add from the override page. Rows are
 * ordered by ticket id; the digest covers exactly what is graded and compared.
 */
export async function loadDbDataset(db: Queryable, name: string, limit?: number): Promise<Dataset> {
  const origin = name.split(':')[1];
  const rows = await goldRows(db, origin, limit);
  const items: LabeledItem[] = [];
  const invalid: Dataset['invalid'] = [];
  const hash = createHash('sha256');
  for (const row of rows) {
    const ticket = Ticket.safeParse(row.ticket);
    const gold = Gold.safeParse(row.gold);
    if (!ticket.success || !gold.success) {
      invalid.push({
        line: row.id,
        reason: `ticket ${row.id}: stored ticket or gold no longer valid`,
      });
      continue;
    }
    hash.update(canonicalJson({ ticket: ticket.data, gold: gold.data }));
    items.push({ line: row.id, ticket: ticket.data, gold: gold.data });
  }
  return { file: name, sha256: hash.digest('hex'), items, unlabeled: 0, invalid };
}
