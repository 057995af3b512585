/**
 * One model's pacing bookkeeping in one process (src/llm/rate-limiter.ts,
 * issue 13): the requests leased from the shared buckets and not yet used,
 * and what answers said since the last Redis step (limits, remaining levels,
 * usage corrections), which rides on the next step instead of a step each.
 */

/** A leased request unused this long goes back to the buckets (another process may need it). */
export const LEASE_TTL_MS = 250;

const NONE = [-1, -1, -1, -1, -1, -1];

export class Ledger {
  /** Leased and not yet used, each with `input`/`output` tokens, leased at `at`. */
  held = 0;
  input = 0;
  output = 0;
  at = 0;
  /** Callers waiting in acquire(), and requests used from the latest lease: the next one's size. */
  waiting = 0;
  #used = 0;
  leasing: Promise<number> | undefined;
  /** Limits this process has sent to Redis at least once. */
  known = false;
  timer: NodeJS.Timeout | undefined;
  /** rl il ol rr ir or as heard (-1 = not heard), when, and usage corrections. */
  #heard = [...NONE];
  #heardAt = 0;
  #dIn = 0;
  #dOut = 0;

  /** A leased request, if one is still fresh. */
  take(now: number): boolean {
    if (this.held <= 0 || now - this.at >= LEASE_TTL_MS) return false;
    this.held--;
    this.#used++;
    return true;
  }

  /** How many requests to lease: those waiting, or twice what the last lease served, at most `max`. */
  demand(max: number): number {
    return Math.min(max, Math.max(1, this.waiting, 2 * this.#used));
  }

  leased(n: number, input: number, output: number, now: number): void {
    this.held += n;
    this.#used = 0;
    this.input = input;
    this.output = output;
    this.at = now;
  }

  /** What an answer said: limits and levels (-1 = absent) and the usage correction. */
  hear(levels: number[], dIn: number, dOut: number, now: number): void {
    levels.forEach((v, i) => {
      if (v >= 0) this.#heard[i] = v;
    });
    this.#heardAt = now;
    this.#dIn += dIn;
    this.#dOut += dOut;
  }

  /** Something to send now: news from answers, or leased requests past their time. */
  due(now: number): boolean {
    const news = this.#dIn !== 0 || this.#dOut !== 0 || this.#heard.some((v) => v >= 0);
    return news || (this.held > 0 && now - this.at >= LEASE_TTL_MS);
  }

  pending(): boolean {
    return this.held > 0 || this.#dIn !== 0 || this.#dOut !== 0 || this.#heard.some((v) => v >= 0);
  }

  /**
   * The arguments of the next step, and forgets them: the 8 settle values
   * (a remaining level heard a while ago is raised by the refill since, at
   * the limit's rate) and the requests given back (all, or the expired).
   */
  drain(now: number, all: boolean): number[] {
    const h = this.#heard;
    const age = now - this.#heardAt;
    const heard = h.map((v, i) =>
      i < 3 || v < 0 ? v : v + (age * Math.max(0, h[i - 3] ?? 0)) / 60_000,
    );
    const give = all || now - this.at >= LEASE_TTL_MS ? this.held : 0;
    this.held -= give;
    const args = [...heard, this.#dIn, this.#dOut, give, give * this.input, give * this.output];
    this.#heard = [...NONE];
    this.#dIn = 0;
    this.#dOut = 0;
    return args;
  }
}
