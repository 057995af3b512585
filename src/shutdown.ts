import type { Logger } from 'pino';
import { toError } from './logger.js';

interface Step {
  name: string;
  run: () => Promise<void> | void;
}

/**
 * Shutdown as a registry of named steps run in registration order, each in
 * its own try/catch, under a deadline. A second signal forces exit. close()
 * is idempotent: every caller gets the same promise.
 */
export class Shutdown {
  private readonly steps: Step[] = [];
  private closing: Promise<void> | undefined;
  private signals = 0;

  constructor(
    private readonly logger: Logger,
    private readonly deadlineMs = 30_000,
  ) {}

  add(name: string, run: Step['run']): this {
    this.steps.push({ name, run });
    return this;
  }

  close(): Promise<void> {
    this.closing ??= this.runSteps();
    return this.closing;
  }

  private async runSteps(): Promise<void> {
    const deadline = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), this.deadlineMs).unref(),
    );
    for (const step of this.steps) {
      const started = Date.now();
      try {
        const r = await Promise.race([
          Promise.resolve(step.run()).then(() => 'ok' as const),
          deadline,
        ]);
        if (r === 'timeout') {
          this.logger.error({ step: step.name }, 'shutdown deadline passed');
          return;
        }
        this.logger.debug({ step: step.name, ms: Date.now() - started }, 'shutdown step done');
      } catch (err) {
        this.logger.error({ step: step.name, err: toError(err).message }, 'shutdown step failed');
      }
    }
  }

  /** SIGTERM/SIGINT: first one drains and exits 0; a second one exits 1 at once. */
  installSignalHandlers(exit: (code: number) => void = (c) => process.exit(c)): void {
    const onSignal = (signal: NodeJS.Signals) => {
      this.signals++;
      if (this.signals > 1) {
        this.logger.warn({ signal }, 'second signal: forcing exit');
        exit(1);
        return;
      }
      this.logger.info({ signal }, 'shutting down: finishing jobs in flight');
      void this.close().then(() => exit(0));
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
}
