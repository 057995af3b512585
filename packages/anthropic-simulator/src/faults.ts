import { type ApiErrorType, ERROR_STATUS, SimApiError } from './api-error.js';
import { FAULT_KINDS, type FaultKind, type FaultOptions } from './options.js';
import { mulberry32 } from './prng.js';

/**
 * A scripted error answer for any /v1 endpoint (batches included): the next
 * `count` requests matching `method` and `path` get the error envelope of
 * `type` with these extra `headers` (e.g. `retry-after`, `retry-after-ms`,
 * `x-should-retry`) instead of being handled.
 */
export interface ScriptedError {
  type: ApiErrorType;
  count?: number;
  headers?: Record<string, string>;
  /** e.g. 'POST'; any method when unset. */
  method?: string;
  /** A path prefix, e.g. '/v1/messages/batches'; any /v1 path when unset. */
  path?: string;
  message?: string;
}

export function isApiErrorType(value: unknown): value is ApiErrorType {
  return typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value);
}

/**
 * Decides which fault, if any, the next /v1/messages request gets. Scripted
 * faults (`inject`) are used first, in order; otherwise one draw from the
 * seeded PRNG is compared against the cumulative rates, so a given seed and
 * request order always produce the same faults.
 */
export class FaultInjector {
  #random: () => number;
  #scripted: FaultKind[] = [];
  #errors: Array<Required<Pick<ScriptedError, 'type' | 'headers'>> & ScriptedError> = [];

  constructor(seed: number) {
    this.#random = mulberry32(seed);
  }

  reseed(seed: number): void {
    this.#random = mulberry32(seed);
  }

  inject(kind: FaultKind, count = 1): void {
    if (!FAULT_KINDS.includes(kind)) throw new Error(`unknown fault kind: ${String(kind)}`);
    if (!Number.isInteger(count) || count < 0)
      throw new Error(`fault count must be an integer >= 0`);
    for (let i = 0; i < count; i++) this.#scripted.push(kind);
  }

  pending(): FaultKind[] {
    return [...this.#scripted];
  }

  injectError(error: ScriptedError): void {
    const count = error.count ?? 1;
    if (!isApiErrorType(error.type)) throw new Error(`unknown error type: ${String(error.type)}`);
    if (!Number.isInteger(count) || count < 0)
      throw new Error(`error count must be an integer >= 0`);
    for (let i = 0; i < count; i++) this.#errors.push({ headers: {}, ...error, count: 1 });
  }

  /** How many scripted errors are still waiting for a request. */
  pendingErrors(): number {
    return this.#errors.length;
  }

  /** The scripted error the request gets, if any (it is used up). */
  takeError(method: string, path: string): SimApiError | undefined {
    const i = this.#errors.findIndex(
      (e) =>
        (e.method === undefined || e.method.toUpperCase() === method.toUpperCase()) &&
        (e.path === undefined || path.startsWith(e.path)),
    );
    if (i < 0) return undefined;
    const [e] = this.#errors.splice(i, 1);
    if (!e) return undefined;
    return new SimApiError(e.type, e.message ?? `Injected ${e.type}`, e.headers);
  }

  clear(): void {
    this.#scripted = [];
    this.#errors = [];
  }

  next(rates: FaultOptions): FaultKind | null {
    const scripted = this.#scripted.shift();
    if (scripted) return scripted;
    const roll = this.#random();
    let edge = 0;
    for (const kind of FAULT_KINDS) {
      edge += rates[kind];
      if (roll < edge) return kind;
    }
    return null;
  }
}

export function isFaultKind(value: unknown): value is FaultKind {
  return typeof value === 'string' && (FAULT_KINDS as readonly string[]).includes(value);
}
