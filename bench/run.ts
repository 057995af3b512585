/**
 * `npm run bench -- <name>`: runs one benchmark (or all) and rewrites its
 * section of BENCHMARKS.md with the numbers and the command that produced them.
 * Every benchmark reports ratios against a baseline measured in the same run.
 */
import { readdir } from 'node:fs/promises';
import { load, type SummaryRow, writeSection } from './report.js';

const available = (await readdir(new URL('.', import.meta.url)))
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .sort();

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length ? wanted : available;
// Options (e.g. `--rows=N`) are read by the benchmarks themselves and recorded with the command.
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
for (const name of names) {
  if (!available.includes(name)) {
    console.error(`unknown benchmark "${name}"; available: ${available.join(', ')}`);
    process.exit(2);
  }
}
for (const name of names) {
  console.log(`\n== bench ${name}`);
  const mod = (await import(`./${name}.bench.ts`)) as {
    run: () => Promise<string | { markdown: string; summary: SummaryRow[] }>;
  };
  const loadAtStart = load();
  const out = await mod.run();
  const { markdown, summary } = typeof out === 'string' ? { markdown: out, summary: [] } : out;
  await writeSection(
    name,
    ['npm run bench --', name, ...flags].join(' '),
    markdown,
    summary,
    loadAtStart,
  );
  console.log(markdown);
}
