import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { Ticket } from '../ticket/schema.js';

/** A gold verdict, kept apart from the ticket for evaluation. */
export const Gold = z.object({
  outcome: z.enum(['pass', 'fail', 'escalate']),
  criteria: z.record(z.string(), z.enum(['met', 'partial', 'missing', 'n/a'])),
  escalations: z.array(z.string()).default([]),
  attributions: z.array(z.object({ agent: z.string(), category: z.string() })).default([]),
  patterns: z.array(z.string()).default([]),
  notes: z.string().optional(),
});
export type Gold = z.infer<typeof Gold>;

export type Row =
  | { line: number; ok: true; ticket: Ticket; gold?: Gold | undefined }
  | { line: number; ok: false; reason: string };

/** Validates one parsed row: `{"ticket", "gold"}` or a bare ticket. */
export function parseRow(line: number, value: unknown): Row {
  const obj = (value && typeof value === 'object' ? value : {}) as {
    ticket?: unknown;
    gold?: unknown;
  };
  const wrapped = 'ticket' in obj;
  const t = Ticket.safeParse(wrapped ? obj.ticket : value);
  if (!t.success) {
    const first = t.error.issues[0];
    return {
      line,
      ok: false,
      reason: `${first?.path.join('.') || '(root)'}: ${first?.message ?? 'invalid'}`,
    };
  }
  if (wrapped && obj.gold !== undefined) {
    const g = Gold.safeParse(obj.gold);
    if (!g.success) {
      const first = g.error.issues[0];
      return {
        line,
        ok: false,
        reason: `gold.${first?.path.join('.') ?? ''}: ${first?.message ?? 'invalid'}`,
      };
    }
    return { line, ok: true, ticket: t.data, gold: g.data };
  }
  return { line, ok: true, ticket: t.data };
}

/** Streams a JSONL file row by row; never loads it whole. Blank lines are skipped. */
export async function* readJsonl(file: string): AsyncGenerator<Row> {
  const rl = createInterface({
    input: createReadStream(file, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let line = 0;
  for await (const text of rl) {
    line++;
    if (!text.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      yield { line, ok: false, reason: `invalid JSON: ${(err as Error).message}` };
      continue;
    }
    yield parseRow(line, value);
  }
}
