import type { SimulatorOptionsPatch } from './options.js';
import { type Simulator, startSimulator } from './simulator.js';

/**
 * `ticket-qc simulator --port N`: start a simulator and keep it running until
 * SIGINT/SIGTERM. The lead's CLI parses flags and calls this.
 */
export interface ServeOptions extends SimulatorOptionsPatch {
  /** Where the start line goes (default: stdout). */
  log?: (line: string) => void;
  /** Install SIGINT/SIGTERM handlers that close the simulator (default true). */
  handleSignals?: boolean;
}

export async function serveSimulatorForever(opts: ServeOptions = {}): Promise<Simulator> {
  const {
    log = (line) => process.stdout.write(`${line}\n`),
    handleSignals = true,
    ...patch
  } = opts;
  const sim = await startSimulator({ port: 4010, ...patch });
  log(`Anthropic API simulator listening on ${sim.url} (set ANTHROPIC_BASE_URL=${sim.url})`);
  if (handleSignals) {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(1);
      stopping = true;
      log(`${signal}: closing the simulator`);
      void sim.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  return sim;
}
