import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * src/db/ is the only place with SQL (ARCHITECTURE.md): route handlers,
 * processors and CLI commands call its per-table modules. This test reads
 * every TypeScript file under src/ and workers/ outside src/db/ and fails,
 * naming the files, when code (not a comment) holds an SQL statement.
 */

const STATEMENT =
  /\b(SELECT\b[\s\S]*?\bFROM|INSERT\s+INTO|UPDATE\s+\w+(\s+\w+)?\s+SET|DELETE\s+FROM|LOCK\s+TABLE|pg_(try_)?advisory)/;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return files(p);
    return /\.ts$/.test(e.name) ? [p] : [];
  });
}

/** The file without its comments (line comments and block comments, crudely). */
function code(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .split('\n')
    .filter((l) => !/^\s*\/\//.test(l))
    .map((l) => l.replace(/\s\/\/\s.*$/, ''))
    .join('\n');
}

describe('layers: SQL lives in src/db only', () => {
  it('no file outside src/db/ holds an SQL statement', () => {
    const offending = [...files('src'), ...files('workers')]
      .map((f) => f.split(path.sep).join('/'))
      .filter((f) => !f.startsWith('src/db/'))
      .filter((f) => STATEMENT.test(code(readFileSync(f, 'utf8'))));
    expect(offending, `SQL outside src/db/: move it into a per-table module`).toEqual([]);
  });

  it('the check itself finds SQL (it is not vacuous)', () => {
    expect(STATEMENT.test(code(readFileSync('src/db/tickets.ts', 'utf8')))).toBe(true);
    expect(STATEMENT.test(code('// SELECT x FROM y\n/* UPDATE t SET */ const a = 1;'))).toBe(false);
  });
});
