import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Every child process a test starts goes through `spawnChild`, which registers
 * it for cleanup: a child started inside a test (or its beforeEach) is killed
 * in afterEach, one started in beforeAll in afterAll (test/helpers/children.ts
 * installs both hooks for every file). A failed assertion therefore never
 * leaves a worker polling Redis or a server holding a port.
 *
 * Spawn only when the test is about a separate process (signals, exit codes of
 * the real binary, a crash, the module graph at startup); otherwise run the
 * code in-process (test/helpers/cli.ts runs the CLI).
 */

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Child {
  readonly process: ChildProcess;
  /** stdout and stderr interleaved, as received so far. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** Resolves once the process has exited. */
  readonly exited: Promise<Exit>;
  /** Resolves when the output contains `what`; rejects if the process exits first or after `timeoutMs`. */
  waitForOutput(what: string | RegExp, timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): void;
  /** SIGKILL unless already gone; resolves once it has exited. */
  stop(): Promise<void>;
}

let inTest = false;
const perTest = new Set<Child>();
const perFile = new Set<Child>();

/** The node binary with the TypeScript loader the repository runs under (`node --import tsx …`). */
export function spawnTsx(script: string, args: string[], env: Record<string, string | undefined>) {
  return spawnChild(process.execPath, ['--import', 'tsx', script, ...args], env);
}

export function spawnChild(
  command: string,
  args: string[],
  env: Record<string, string | undefined> = {},
  opts: {
    /**
     * When to kill it: after the test that started it (default inside a
     * test), or after the file (default in beforeAll; for a server that the
     * file's afterAll still needs, even if a test started it).
     */
    until?: 'test' | 'file';
    cwd?: string;
  } = {},
): Child {
  const proc = spawn(command, args, {
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  proc.stdout?.on('data', (d: Buffer) => {
    output += d;
    stdout += d;
    for (const l of listeners) l();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    output += d;
    stderr += d;
    for (const l of listeners) l();
  });
  const exited = new Promise<Exit>((resolve) => {
    proc.once('close', (code, signal) => resolve({ code, signal }));
    proc.once('error', () => resolve({ code: null, signal: null }));
  });
  const matches = (what: string | RegExp) =>
    typeof what === 'string' ? output.includes(what) : what.test(output);
  const child: Child = {
    process: proc,
    output: () => output,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForOutput(what, timeoutMs = 60_000) {
      if (matches(what)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const done = (err?: Error) => {
          listeners.delete(check);
          clearTimeout(timer);
          if (err) reject(err);
          else resolve();
        };
        const check = () => {
          if (matches(what)) done();
        };
        const timer = setTimeout(
          () =>
            done(
              new Error(`no ${String(what)} from ${command} within ${timeoutMs} ms:\n${output}`),
            ),
          timeoutMs,
        );
        listeners.add(check);
        void exited.then((e) => {
          if (!matches(what))
            done(
              new Error(
                `${command} exited (${e.code ?? e.signal}) before ${String(what)}:\n${output}`,
              ),
            );
        });
      });
    },
    kill: (signal = 'SIGTERM') => void proc.kill(signal),
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
  ((opts.until ?? (inTest ? 'test' : 'file')) === 'test' ? perTest : perFile).add(child);
  return child;
}

/** Runs a child to its exit and returns what it printed (a registered child, SIGKILLed after `timeoutMs`). */
export async function runToExit(
  command: string,
  args: string[],
  env: Record<string, string | undefined> = {},
  opts: { timeoutMs?: number; cwd?: string } = {},
): Promise<Exit & { stdout: string; stderr: string; timedOut: boolean }> {
  const child = spawnChild(command, args, env, opts.cwd ? { cwd: opts.cwd } : {});
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, opts.timeoutMs ?? 30_000);
  const exit = await child.exited;
  clearTimeout(timer);
  return { ...exit, stdout: child.stdout(), stderr: child.stderr(), timedOut };
}

async function stopAll(children: Set<Child>): Promise<void> {
  const all = [...children];
  children.clear();
  await Promise.all(all.map((c) => c.stop()));
}

/** For test/helpers/children.ts: the hooks every test file gets. */
export const childHooks = {
  beforeEach() {
    inTest = true;
  },
  async afterEach() {
    inTest = false;
    await stopAll(perTest);
  },
  async afterAll() {
    await stopAll(perTest);
    await stopAll(perFile);
  },
};
