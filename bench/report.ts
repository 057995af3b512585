import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';

const FILE = new URL('../BENCHMARKS.md', import.meta.url);
const HEADER = `# Benchmarks

Produced by \`npm run bench\` on the machine named in each section. Each section is
rewritten by its own benchmark; ratios compare against a baseline measured in the
same run, so they travel better between machines than absolute numbers.
`;

/** Replaces (or appends) the `## name` section of BENCHMARKS.md. */
export async function writeSection(name: string, command: string, body: string): Promise<void> {
  const current = await readFile(FILE, 'utf8').catch(() => HEADER);
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const section = `## ${name}\n\nCommand: \`${command}\` — ${new Date().toISOString().slice(0, 10)}, ${machine}\n\n${body.trim()}\n`;
  const re = new RegExp(`## ${name}\\n[\\s\\S]*?(?=\\n## |$)`);
  const next = re.test(current)
    ? current.replace(re, section)
    : `${current.trimEnd()}\n\n${section}`;
  await writeFile(FILE, next);
}
