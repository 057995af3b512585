import type { AddressInfo } from 'node:net';
import { createClock, type SimClock } from './clock.js';
import { createContext } from './context.js';
import type { ScriptedError } from './faults.js';
import type { FaultKind, SimulatorOptions, SimulatorOptionsPatch } from './options.js';
import { DEFAULT_OPTIONS, mergeOptions } from './options.js';
import type { CacheStats } from './prompt-cache.js';
import type { RequestLogEntry } from './request-log.js';
import { createSimServer } from './server.js';
import type { ToolHandler } from './tools.js';

/**
 * A local HTTP server speaking the Anthropic Messages and Message Batches
 * wire protocol, for tests and the offline demo. See README.md for what it
 * simulates and how verdicts are produced.
 */

export interface Simulator {
  /** e.g. http://127.0.0.1:41234 — pass as the SDK's baseURL. */
  readonly url: string;
  readonly port: number;
  /** The current options (a snapshot; change them with setOptions). */
  readonly options: SimulatorOptions;
  readonly clock: SimClock;
  setOptions(patch: SimulatorOptionsPatch): void;
  requests(): RequestLogEntry[];
  clearRequests(): void;
  /** The next `count` POST /v1/messages requests get this fault. */
  injectFaults(kind: FaultKind, count?: number): void;
  /**
   * The next `count` /v1 requests matching `method`/`path` (any endpoint,
   * batches included) are answered with this error and extra headers.
   */
  injectError(error: ScriptedError): void;
  /** Drops the scripted faults and errors not used yet. */
  clearFaults(): void;
  cacheStats(): CacheStats;
  clearCache(): void;
  /** Handler for a tool name on this simulator only (overrides process-wide handlers). */
  registerToolHandler(name: string, handler: ToolHandler): void;
  /** Stops listening and ends every open request, hung ones included. Idempotent. */
  close(): Promise<void>;
}

export async function startSimulator(opts: SimulatorOptionsPatch = {}): Promise<Simulator> {
  const options = mergeOptions(DEFAULT_OPTIONS, opts);
  const sim = createContext(options, createClock());
  const server = createSimServer(sim);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  sim.setOptions({ port });
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    get options() {
      return sim.options();
    },
    clock: sim.clock,
    setOptions: (patch) => void sim.setOptions(patch),
    requests: () => sim.log.list(),
    clearRequests: () => void sim.log.clear(),
    injectFaults: (kind, count = 1) => sim.faults.inject(kind, count),
    injectError: (error) => sim.faults.injectError(error),
    clearFaults: () => sim.faults.clear(),
    cacheStats: () => sim.cache.stats(),
    clearCache: () => sim.cache.clear(),
    registerToolHandler: (name, handler) => sim.tools.register(name, handler),
    close() {
      closing ??= new Promise<void>((resolve) => {
        sim.waiters.closeAll();
        server.close(() => resolve());
        server.closeAllConnections();
      }).finally(() => sim.tokens.free());
      return closing;
    },
  };
}
