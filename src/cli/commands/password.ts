import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

/**
 * Reads a password without echoing it on a terminal, or the first line of
 * stdin when piped (`echo "$PW" | ticket-qc review hash-password`), so it
 * never lands in shell history or a process list.
 */
export async function readPassword(
  prompt: string,
  input: NodeJS.ReadableStream = process.stdin,
): Promise<string> {
  const tty = (input as NodeJS.ReadStream).isTTY === true;
  let muted = false;
  const output = new Writable({
    write(chunk, _enc, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input, output, terminal: tty });
  try {
    if (tty) process.stderr.write(prompt);
    muted = tty;
    const line = await new Promise<string>((resolve, reject) => {
      rl.once('line', resolve);
      rl.once('close', () => reject(new Error('no password given on stdin')));
    });
    if (tty) process.stderr.write('\n');
    return line.replace(/\r$/, '');
  } finally {
    rl.close();
  }
}
