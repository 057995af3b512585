import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The layer rules of ARCHITECTURE.md (.dependency-cruiser.cjs) fail `npm run
 * lint` with the rule's name. Checked on a scratch tree laid out like ours, so
 * the rules are shown to fire — not just to pass on a tree that obeys them.
 */

const root = process.cwd();
const bin = path.join(root, 'node_modules', '.bin', 'depcruise');
const config = path.join(root, '.dependency-cruiser.cjs');
const scratch = mkdtempSync(path.join(tmpdir(), 'tqc-layers-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function cruise(files: Record<string, string>): { status: number | null; out: string } {
  const dir = mkdtempSync(path.join(scratch, 'tree-'));
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } }),
  );
  // Both roots the lint cruises must exist.
  const tree = { 'src/empty.ts': 'export {};\n', 'workers/empty.ts': 'export {};\n', ...files };
  for (const [name, text] of Object.entries(tree)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  const r = spawnSync(bin, ['src', 'workers', '--config', config, '--output-type', 'err'], {
    cwd: dir,
    encoding: 'utf8',
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('layer rules', () => {
  it('a tree that imports only downward passes', () => {
    const r = cruise({
      'src/web/page.ts': "import { grade } from '../qc/grade.js';\nexport const p = grade;\n",
      'src/qc/grade.ts': "import { pool } from '../db/pool.js';\nexport const grade = pool;\n",
      'src/db/pool.ts': 'export const pool = 1;\n',
      'workers/api.ts': "import { p } from '../src/web/page.js';\nexport const a = p;\n",
    });
    expect(r.out).toContain('no dependency violations');
    expect(r.status).toBe(0);
  });

  it.each([
    ['pipeline-imports-upward', 'src/queue/jobs.ts', '../web/page.js', 'src/web/page.ts'],
    ['foundations-import-upward', 'src/db/tickets.ts', '../qc/grade.js', 'src/qc/grade.ts'],
    ['supervision-imports-upward', 'src/chief/pass.ts', '../api/app.js', 'src/api/app.ts'],
    ['interfaces-are-siblings', 'src/web/page.ts', '../cli/index.js', 'src/cli/index.ts'],
    ['interfaces-start-no-process', 'src/api/app.ts', '../../workers/qc.js', 'workers/qc.ts'],
    [
      'queue-is-the-bottom-of-the-pipeline',
      'src/queue/jobs.ts',
      '../qc/grade.js',
      'src/qc/grade.ts',
    ],
    [
      'decisions-are-the-bottom-of-supervision',
      'src/decisions/d.ts',
      '../chief/pass.js',
      'src/chief/pass.ts',
    ],
  ])('%s: an import against it fails, naming the rule', (rule, from, spec, to) => {
    const r = cruise({
      [from]: `import { x } from '${spec}';\nexport const y = x;\n`,
      [to]: 'export const x = 1;\n',
    });
    expect(r.status).not.toBe(0);
    expect(r.out).toContain(`error ${rule}: ${from} → ${to}`);
  });

  it('a cycle fails as no-circular', () => {
    const r = cruise({
      'src/qc/a.ts': "import { b } from './b.js';\nexport const a = b;\n",
      'src/qc/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
    });
    expect(r.status).not.toBe(0);
    expect(r.out).toContain('no-circular');
  });
});
