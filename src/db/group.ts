import { isDatabaseUnavailable } from './errors.js';

/**
 * One statement for the same work of many concurrent callers (issue 13).
 * Each statement costs node a pool checkout, a socket write and a parse of
 * its answer, and PostgreSQL a round trip and a commit; at concurrency 50
 * most of a QC job's CPU outside the model call was that. Grouped, whatever
 * arrived while the previous group's statement was in flight is the next
 * group — no timer, so a caller alone is never kept waiting — and goes out
 * as ONE multi-row statement (`many`), each caller getting its own answer.
 * The intake writer (src/queue/intake-writer.ts) groups webhooks the same way.
 *
 * A group's statement is atomic: when it fails, nothing of it was written,
 * and each member is sent again alone, in arrival order, so one bad member
 * fails only its own caller — except when PostgreSQL is unreachable (or the
 * pool is exhausted): then every member gets the error at once (a QC job is
 * put back without using an attempt, src/qc/resilience.ts).
 *
 * Members with the same `key` never share a group, nor go out while a group
 * holding that key is in flight: the later one goes in a later group, after
 * the earlier one's statement, as it would alone.
 */
export interface GroupOptions<I, O> {
  /** One statement for the inputs: one answer per input, in their order. */
  many(inputs: readonly I[]): Promise<O[]>;
  /** Inputs with the same key go in different groups, in arrival order. */
  key?: (input: I) => unknown;
  /** Most members in one statement (default 100). */
  maxGroup?: number;
  /** Most statements in flight at once, each on its own connection (default 1). */
  maxInFlight?: number;
}

interface Waiter<I, O> {
  input: I;
  resolve(out: O): void;
  reject(err: unknown): void;
}

export type Grouped<I, O> = (input: I) => Promise<O>;

export function grouped<I, O>(o: GroupOptions<I, O>): Grouped<I, O> {
  const maxGroup = o.maxGroup ?? 100;
  const maxInFlight = o.maxInFlight ?? 1;
  let pending: Waiter<I, O>[] = [];
  let inFlight = 0;
  /** Keys of the members of the groups in flight: a later member with one waits for them. */
  const busy = new Set<unknown>();

  /** The next group, in arrival order; the rest stays pending. */
  function take(): { group: Waiter<I, O>[]; keys: Set<unknown> } {
    const keys = new Set<unknown>();
    if (!o.key) return { group: pending.splice(0, maxGroup), keys };
    const group: Waiter<I, O>[] = [];
    const rest: Waiter<I, O>[] = [];
    for (const w of pending) {
      const k = o.key(w.input);
      if (group.length >= maxGroup || keys.has(k) || busy.has(k)) rest.push(w);
      else {
        keys.add(k);
        group.push(w);
      }
    }
    pending = rest;
    return { group, keys };
  }

  function pump(): void {
    while (inFlight < maxInFlight && pending.length > 0) {
      const { group, keys } = take();
      // Everything pending waits for a member in flight: the end of that group pumps again.
      if (group.length === 0) return;
      for (const k of keys) busy.add(k);
      inFlight++;
      void run(group).finally(() => {
        for (const k of keys) busy.delete(k);
        inFlight--;
        pump();
      });
    }
  }

  async function send(group: readonly Waiter<I, O>[]): Promise<void> {
    const outs = await o.many(group.map((w) => w.input));
    if (outs.length !== group.length)
      throw new Error(`a grouped statement answered ${outs.length} of ${group.length} members`);
    for (const [i, w] of group.entries()) w.resolve(outs[i] as O);
  }

  async function run(group: Waiter<I, O>[]): Promise<void> {
    try {
      await send(group);
    } catch (err) {
      if (group.length === 1 || isDatabaseUnavailable(err)) {
        for (const w of group) w.reject(err);
        return;
      }
      // One member may be what failed: each is sent alone, so it fails alone — unless the
      // database went away meanwhile: then the rest get that error at once, not one timeout each.
      for (const [i, w] of group.entries()) {
        try {
          await send([w]);
        } catch (one) {
          w.reject(one);
          if (isDatabaseUnavailable(one)) {
            for (const rest of group.slice(i + 1)) rest.reject(one);
            return;
          }
        }
      }
    }
  }

  return (input) =>
    new Promise<O>((resolve, reject) => {
      pending.push({ input, resolve, reject });
      pump();
    });
}
