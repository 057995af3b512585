import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { PACE_SCRIPT } from './rate-script.js';

/** How long one pacing step may wait for Redis before the call goes ahead unpaced. */
const EVAL_TIMEOUT_MS = 500;

const SHA = createHash('sha1').update(PACE_SCRIPT).digest('hex');

/**
 * The pacing script's calls to Redis (src/llm/rate-script.ts): by its SHA, so
 * the 3 kB script is not sent with every step (EVAL only after a NOSCRIPT,
 * e.g. a restarted Redis), and bounded in time: a worker's connection queues
 * commands while Redis is away (maxRetriesPerRequest: null), which would hold
 * every model call — and the settling of calls already paid for — until Redis
 * returns. Past EVAL_TIMEOUT_MS the step fails and the call goes ahead unpaced.
 */
export class PaceRedis {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
    private readonly burstMs: number,
  ) {}

  key(model: string): string {
    return `${this.prefix}:ratelimit:${model}`;
  }

  async run(model: string, op: string, ...args: (string | number)[]): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`rate limiter: Redis did not answer within ${EVAL_TIMEOUT_MS} ms`)),
        EVAL_TIMEOUT_MS,
      );
    });
    try {
      return Number(await Promise.race([this.#eval(model, op, args), timeout]));
    } finally {
      clearTimeout(timer);
    }
  }

  async #eval(model: string, op: string, args: (string | number)[]): Promise<unknown> {
    const key = this.key(model);
    try {
      return await this.redis.evalsha(SHA, 1, key, op, this.burstMs, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return this.redis.eval(PACE_SCRIPT, 1, key, op, this.burstMs, ...args);
    }
  }
}
