import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `ticket-qc --help` or `ticket-qc costs` must not wait for the servers, the
 * simulator or the SDK to load: src/cli/index.ts and the registration modules
 * (batch/chief/review cli.ts) import only commander and tiny pure helpers, and
 * each action imports what it runs. This checks that structure, not a timing:
 * a child process records every module it loads — each URL the ESM loader
 * resolves (a resolve hook) plus every CommonJS file in require.cache — and
 * the set must hold no third-party package but commander.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cliUrl = pathToFileURL(path.join(root, 'src/cli/index.ts')).href;

/** Packages of the TypeScript loader the child runs under, not of the CLI. */
const LOADER = new Set(['tsx', 'esbuild', 'get-tsconfig', 'resolve-pkg-maps']);

// Registered after tsx, so it sees each specifier and tsx's final URL. It
// writes synchronously: the import that asked cannot go on before the line is
// on disk, so the log is complete when the child exits.
const HOOKS = `import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(log, r.url + '\\n');
  return r;
}
`;
const PRELOAD = `import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
const log = process.env.MODULE_LOG;
register('./hooks.mjs', import.meta.url, { data: { log } });
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  appendFileSync(log, Object.keys(cache).map((f) => 'file://' + f + '\\n').join(''));
});
`;
// Builds the program the way main() does and renders every command's help.
const PROBE = `const { buildCli } = await import(${JSON.stringify(cliUrl)});
const walk = (c) => { c.helpInformation(); c.commands.forEach(walk); };
walk(buildCli());
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'cli-startup-'));
  writeFileSync(path.join(dir, 'hooks.mjs'), HOOKS);
  writeFileSync(path.join(dir, 'preload.mjs'), PRELOAD);
  writeFileSync(path.join(dir, 'probe.mjs'), PROBE);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The modules a child loads for `node --import tsx <args>`. */
function modulesLoadedBy(args: string[], name: string): string[] {
  const log = path.join(dir, `${name}.log`);
  writeFileSync(log, '');
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--import', pathToFileURL(path.join(dir, 'preload.mjs')).href, ...args],
    {
      cwd: root,
      env: { ...process.env, MODULE_LOG: log, NODE_OPTIONS: '' },
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  expect(r.status, r.stderr).toBe(0);
  return [
    ...new Set(
      readFileSync(log, 'utf8')
        .split('\n')
        .filter((u) => u.startsWith('file:')),
    ),
  ];
}

const packagesOf = (urls: string[]) =>
  [
    ...new Set(
      urls.flatMap((u) => {
        const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u);
        return m?.[1] && !LOADER.has(m[1]) ? [m[1]] : [];
      }),
    ),
  ].sort();
/** The repository's own modules, as paths from its root (src/cli/index.ts, …). */
const sourcesOf = (urls: string[]) => {
  const prefix = `${pathToFileURL(root).href}/`;
  return urls.flatMap((u) =>
    u.startsWith(prefix) && !u.includes('/node_modules/') ? [u.slice(prefix.length)] : [],
  );
};

describe('CLI startup', () => {
  it.each([
    ['building the program and rendering every command’s help', 'probe', ['probe.mjs']],
    ['`ticket-qc costs --help`', 'costs-help', ['src/cli/index.ts', 'costs', '--help']],
  ])('%s loads commander and no implementation', (_what, name, args) => {
    const script = args[0] === 'probe.mjs' ? [path.join(dir, 'probe.mjs')] : args;
    const urls = modulesLoadedBy(script, name);
    const sources = sourcesOf(urls);

    // The hook saw the graph: the CLI and each registration module are in it.
    expect(sources).toEqual(
      expect.arrayContaining([
        'src/cli/index.ts',
        ...readdirSync('src/cli')
          .filter((f) => f.endsWith('.ts'))
          .map((f) => `src/cli/${f}`)
          // Loaded by actions only: formatting and command implementations.
          .filter((f) => f !== 'src/cli/proposal-format.ts'),
      ]),
    );
    // The heavy ones by name, for a readable failure…
    expect(urls.filter((u) => /\/node_modules\/(fastify|@bull-board|diff2html)\//.test(u))).toEqual(
      [],
    );
    expect(sources.filter((s) => s.startsWith('packages/anthropic-simulator/'))).toEqual([]);
    // …and the rule itself: no third-party package but commander (no zod via
    // config.ts, no pg, bullmq, ioredis, pino, the SDK, diff, csv-parse, …).
    expect(packagesOf(urls)).toEqual(['commander']);
    expect(sources).not.toContain('src/config.ts');
  });
});
