/**
 * Timers the simulator holds requests on (latency, hangs). They end early
 * when the client goes away (signal) or the simulator closes (closeAll), so a
 * hung request never outlives `close()`.
 */
export class ClosedError extends Error {
  constructor() {
    super('simulator closed');
    this.name = 'ClosedError';
  }
}

export class Waiters {
  readonly #pending = new Set<{ timer: NodeJS.Timeout; reject: (e: Error) => void }>();
  #closed = false;

  wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError());
    if (ms <= 0 && !signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new ClosedError());
        return;
      }
      const entry = {
        timer: setTimeout(() => {
          this.#pending.delete(entry);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, ms),
        reject,
      };
      const onAbort = () => {
        clearTimeout(entry.timer);
        this.#pending.delete(entry);
        reject(new ClosedError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.add(entry);
    });
  }

  get size(): number {
    return this.#pending.size;
  }

  closeAll(): void {
    this.#closed = true;
    for (const entry of this.#pending) {
      clearTimeout(entry.timer);
      entry.reject(new ClosedError());
    }
    this.#pending.clear();
  }
}
