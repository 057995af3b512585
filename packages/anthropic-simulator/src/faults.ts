import { FAULT_KINDS, type FaultKind, type FaultOptions } from './options.js';
import { mulberry32 } from './prng.js';

/**
 * Decides which fault, if any, the next /v1/messages request gets. Scripted
 * faults (`inject`) are used first, in order; otherwise one draw from the
 * seeded PRNG is compared against the cumulative rates, so a given seed and
 * request order always produce the same faults.
 */
export class FaultInjector {
  #random: () => number;
  #scripted: FaultKind[] = [];

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

  clear(): void {
    this.#scripted = [];
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
