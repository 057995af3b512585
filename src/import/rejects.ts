import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';

export interface Reject {
  line: number;
  reason: string;
}

/**
 * The rejects file: one JSON line per refused row, `{"line", "reason"}`, in
 * file order. Opened on the first reject, so a clean import leaves no file;
 * an existing file at the path is replaced, never appended to (a rerun's
 * rejects must not mix with the last run's).
 */
export class RejectsFile {
  private out: WriteStream | undefined;
  count = 0;

  constructor(readonly path: string) {}

  async add(reject: Reject): Promise<void> {
    this.out ??= createWriteStream(this.path, { flags: 'w' });
    this.count++;
    if (!this.out.write(`${JSON.stringify({ line: reject.line, reason: reject.reason })}\n`)) {
      await once(this.out, 'drain');
    }
  }

  async close(): Promise<void> {
    if (!this.out) return;
    const out = this.out;
    await new Promise<void>((resolve, reject) => {
      out.once('error', reject);
      out.end(() => resolve());
    });
  }
}

/** `tickets.csv` → `tickets.csv.rejects.jsonl`, beside the input. */
export function defaultRejectsPath(file: string): string {
  return `${file}.rejects.jsonl`;
}
