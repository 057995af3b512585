import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { vi } from 'vitest';
import { buildCli } from '../../src/cli/index.js';
import type { Config } from '../../src/config.js';

/** Runs a CLI action in-process and returns what it printed with console.log. */
export async function captureLog(run: () => Promise<unknown>): Promise<string> {
  const lines: string[] = [];
  const spy = vi
    .spyOn(console, 'log')
    .mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return lines.join('\n');
}

export interface CliRun {
  /** The exit code `ticket-qc` would have: 1 when the command threw, else process.exitCode. */
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * `ticket-qc <args>` in-process, as src/cli/index.ts main() runs it, with the
 * given config instead of the environment: what it printed (console.log →
 * stdout; errors → stderr as `error: …`) and its exit status. `stdin` is the
 * text a pipe would give the command.
 */
export async function runCli(
  config: Config,
  args: string[],
  opts: { stdin?: string } = {},
): Promise<CliRun> {
  const program = buildCli(() => config);
  // A usage error must reject here, not exit the test worker.
  const noExit = (c: Command) => {
    c.exitOverride();
    c.commands.forEach(noExit);
  };
  noExit(program);
  let stderr = '';
  const savedExitCode = process.exitCode;
  process.exitCode = undefined;
  const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
    stderr += String(chunk);
    return true;
  });
  const stdinSpy =
    opts.stdin !== undefined
      ? vi
          .spyOn(process, 'stdin', 'get')
          .mockReturnValue(Readable.from([opts.stdin]) as unknown as typeof process.stdin)
      : undefined;
  let status = 0;
  try {
    const stdout = await captureLog(async () => {
      try {
        await program.parseAsync(['node', 'ticket-qc', ...args]);
        status = Number(process.exitCode ?? 0);
      } catch (err) {
        stderr += `error: ${(err as Error).message}\n`;
        status = 1;
      }
    });
    return { status, stdout, stderr };
  } finally {
    errSpy.mockRestore();
    stdinSpy?.mockRestore();
    process.exitCode = savedExitCode;
  }
}
