import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Login throttling (issue 10, defect 8). Three layers, all in memory (one
 * API process serves /review; a restart forgets, which only helps a user):
 *
 * - per name: after `freeFailures` wrong passwords the name backs off
 *   exponentially (1 s, 2 s, 4 s … up to `maxBackoffMs`) — but a browser
 *   that has signed in as that name before (the signed "known device"
 *   cookie) is never held back, so an attacker cannot lock a lead out;
 * - per client address: at most `ipLimit` failures per `ipWindowMs` across
 *   every name, against spraying invented names;
 * - unknown names: recognised in constant time (hashes compared with
 *   timingSafeEqual over every user) and refused without scrypt.
 */

export interface ThrottleOptions {
  freeFailures: number;
  maxBackoffMs: number;
  ipLimit: number;
  ipWindowMs: number;
}

const MAX_KEYS = 10_000;
const digest = (s: string) => createHash('sha256').update(s).digest();

export class LoginThrottle {
  #names = new Map<string, { failures: number; last: number }>();
  #ips = new Map<string, number[]>();
  #hashes: Buffer[];

  constructor(
    names: string[],
    private readonly o: ThrottleOptions,
  ) {
    this.#hashes = names.map(digest);
  }

  /** Constant time in the typed name: every user's hash is compared. */
  isKnownName(name: string): boolean {
    const h = digest(name);
    let found = 0;
    for (const u of this.#hashes) found |= timingSafeEqual(u, h) ? 1 : 0;
    return found === 1;
  }

  /** Milliseconds the name must still wait, 0 when it may try. */
  nameWaitMs(name: string, now: number): number {
    const f = this.#names.get(name);
    if (!f || f.failures < this.o.freeFailures) return 0;
    const delay = Math.min(this.o.maxBackoffMs, 1000 * 2 ** (f.failures - this.o.freeFailures));
    return Math.max(0, f.last + delay - now);
  }

  /** Milliseconds until this address may try again, 0 when under its limit. */
  ipWaitMs(ip: string, now: number): number {
    const recent = (this.#ips.get(ip) ?? []).filter((t) => now - t < this.o.ipWindowMs);
    if (recent.length < this.o.ipLimit) return 0;
    return Math.max(0, (recent[0] ?? now) + this.o.ipWindowMs - now);
  }

  fail(name: string, ip: string, now: number): void {
    const f = this.#names.get(name);
    this.#names.delete(name); // re-insert: the map's order is the eviction order
    this.#names.set(name, { failures: (f?.failures ?? 0) + 1, last: now });
    const recent = (this.#ips.get(ip) ?? []).filter((t) => now - t < this.o.ipWindowMs);
    recent.push(now);
    this.#ips.delete(ip);
    this.#ips.set(ip, recent.slice(-this.o.ipLimit));
    for (const m of [this.#names, this.#ips] as Map<string, unknown>[]) {
      while (m.size > MAX_KEYS) m.delete(m.keys().next().value as string);
    }
  }

  succeed(name: string): void {
    this.#names.delete(name);
  }
}

/** One audit row per burst of failures: the row is updated with a count while the burst lasts. */
export class AuditBursts {
  #open = new Map<string, { rowId: number; count: number; last: number }>();

  constructor(private readonly quietMs = 5 * 60_000) {}

  /** The open burst's row for this key, or undefined when a new row is due. */
  current(key: string, now: number): { rowId: number; count: number } | undefined {
    const b = this.#open.get(key);
    if (!b || now - b.last > this.quietMs) return undefined;
    b.count++;
    b.last = now;
    return b;
  }

  opened(key: string, rowId: number, now: number): void {
    this.#open.delete(key);
    this.#open.set(key, { rowId, count: 1, last: now });
    while (this.#open.size > MAX_KEYS) this.#open.delete(this.#open.keys().next().value as string);
  }
}

/** An exponential moving average of scrypt's time, so unknown names answer no faster. */
export class VerifyTimer {
  #ms = 60;
  observe(ms: number): void {
    this.#ms = this.#ms * 0.8 + ms * 0.2;
  }
  get typicalMs(): number {
    return this.#ms;
  }
}
