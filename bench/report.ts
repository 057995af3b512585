import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';

const FILE = new URL('../BENCHMARKS.md', import.meta.url);
const HEADER = `# Benchmarks

Produced by \`npm run bench\` on the machine named in each section. Each section is
rewritten by its own benchmark; ratios compare against a baseline measured in the
same run, so they travel better between machines than absolute numbers.
`;
const START = '<!-- summary:start -->';
const END = '<!-- summary:end -->';
const SUMMARY_HEAD = [
  '| bench | figure | value | baseline (same run) | ratio | goal | command | machine, load | date |',
  '| --- | --- | ---: | ---: | ---: | --- | --- | --- | --- |',
];

/** One headline figure of a bench, for the summary table at the top of BENCHMARKS.md. */
export interface SummaryRow {
  figure: string;
  value: string;
  baseline: string;
  ratio: string;
  goal: string;
}

/**
 * The machine a figure was measured on. VMs of one kind report the same CPU
 * model at very different speeds, so the boot's id (Linux) is named too: rows
 * with the same one were measured on the same machine, since its last boot.
 */
export function machine(): string {
  const base = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  return bootId ? `${base}, boot ${bootId}` : base;
}

const bootId = (() => {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().slice(0, 8);
  } catch {
    return undefined;
  }
})();

/** The 1-minute load average: on shared cores, figures measured under contention are conservative. */
export function load(): string {
  return `load ${os.loadavg()[0]?.toFixed(1)} on ${os.cpus().length} cores`;
}

/** Replaces (or appends) the `## name` section of BENCHMARKS.md, and its rows of the summary table. */
export async function writeSection(
  name: string,
  command: string,
  body: string,
  summary: SummaryRow[] = [],
  loadAtStart = load(),
): Promise<void> {
  let current = await readFile(FILE, 'utf8').catch(() => HEADER);
  const date = new Date().toISOString().slice(0, 10);
  const section = `## ${name}\n\nCommand: \`${command}\` — ${date}, ${machine()}; ${loadAtStart} at the start, ${load()} at the end (shared cores: figures measured under contention are conservative)\n\n${body.trim()}\n`;
  const re = new RegExp(`## ${name}\\n[\\s\\S]*?(?=\\n## |$)`);
  current = re.test(current) ? current.replace(re, section) : `${current.trimEnd()}\n\n${section}`;
  if (summary.length) current = withSummary(current, name, summary, command, loadAtStart, date);
  await writeFile(FILE, current);
}

function withSummary(
  text: string,
  name: string,
  rows: SummaryRow[],
  command: string,
  loadAtStart: string,
  date: string,
): string {
  const mine = rows.map(
    (r) =>
      `| ${name} | ${r.figure} | ${r.value} | ${r.baseline} | ${r.ratio} | ${r.goal} | \`${command}\` | ${machine()}, ${loadAtStart} | ${date} |`,
  );
  const s = text.indexOf(START);
  const e = text.indexOf(END);
  if (s < 0 || e < 0) {
    // First summary: a table right after the header paragraph.
    const block = `## Summary\n\n${START}\n${[...SUMMARY_HEAD, ...mine].join('\n')}\n${END}\n`;
    const at = text.indexOf('\n## ');
    return at < 0
      ? `${text.trimEnd()}\n\n${block}`
      : `${text.slice(0, at + 1)}\n${block}${text.slice(at + 1)}`;
  }
  const lines = text
    .slice(s + START.length, e)
    .trim()
    .split('\n')
    .slice(SUMMARY_HEAD.length)
    .filter((l) => !l.startsWith(`| ${name} |`));
  return `${text.slice(0, s + START.length)}\n${[...SUMMARY_HEAD, ...lines, ...mine].join('\n')}\n${text.slice(e)}`;
}
