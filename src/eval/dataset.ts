import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type Gold, readJsonl } from '../batch/jsonl.js';
import type { Ticket } from '../ticket/schema.js';

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
