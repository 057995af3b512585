import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readJsonl } from '../../src/import/jsonl.js';

/**
 * The importer splits lines itself instead of with readline (a measurable
 * share of an import's CPU). It must number lines exactly as readline with
 * crlfDelay: Infinity does — \n, \r\n and a lone \r each end a line — and
 * decode UTF-8 split anywhere across reads.
 */

async function readlineLines(text: string): Promise<string[]> {
  const out: string[] = [];
  const rl = createInterface({
    input: Readable.from([Buffer.from(text)]),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const l of rl) out.push(l);
  return out;
}

/** The bytes of `text` in reads of `size` bytes (splitting characters and CRLFs). */
function inPieces(text: string, size: number): Readable {
  const bytes = Buffer.from(text);
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) pieces.push(bytes.subarray(i, i + size));
  return Readable.from(pieces);
}

describe('JSONL line splitting', () => {
  it('numbers lines and decodes text as readline does, for every read size', async () => {
    const row = (id: string, subject: string) =>
      JSON.stringify({
        ticket: {
          source: 'lines',
          externalId: id,
          subject,
          status: 'open',
          createdAt: '2026-01-01T00:00:00Z',
          updatedAt: '2026-01-01T00:00:00Z',
        },
      });
    const text = [
      row('L1', 'ünïcödé ✓ 😀 split anywhere'),
      '\r\n',
      row('L2', 'after CRLF'),
      '\r\n\n',
      '{"broken": \r',
      row('L3', 'after a lone CR'),
      '\r\r',
      row('L4', '日本語のテキスト'),
      '\n   \n',
      row('L5', 'no newline at the end'),
    ].join('');
    const expected = (await readlineLines(text)).flatMap((l, i) =>
      l.trim() ? [{ line: i + 1, text: l }] : [],
    );
    for (const size of [1, 2, 3, 5, 7, 64, 1 << 16]) {
      const got: { line: number; ok: boolean; subject?: string }[] = [];
      for await (const r of readJsonl('-', { stdin: inPieces(text, size) })) {
        got.push(
          r.ok
            ? { line: r.line, ok: true, subject: r.ticket.subject }
            : { line: r.line, ok: false },
        );
      }
      expect(got, `reads of ${size} bytes`).toEqual(
        expected.map((e) => {
          try {
            const v = JSON.parse(e.text) as { ticket: { subject: string } };
            return { line: e.line, ok: true, subject: v.ticket.subject };
          } catch {
            return { line: e.line, ok: false };
          }
        }),
      );
    }
  });
});
