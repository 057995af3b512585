import type { Pool, PoolClient } from './pool.js';

/**
 * LISTEN on a channel with a dedicated connection. Notifications only wake a
 * poller early: a lost connection (re-established on the next poll) costs
 * latency, never data.
 */
export interface Listener {
  close(): Promise<void>;
}

export async function listen(
  pool: Pool,
  channel: string,
  onNotify: (payload: string | undefined) => void,
): Promise<Listener> {
  if (!/^[a-z_]+$/.test(channel)) throw new Error(`bad channel name ${channel}`);
  const client: PoolClient = await pool.connect();
  let closed = false;
  client.on('notification', (m) => {
    if (m.channel === channel) onNotify(m.payload);
  });
  client.on('error', () => undefined);
  await client.query(`LISTEN ${channel}`);
  return {
    async close() {
      if (closed) return;
      closed = true;
      await client.query(`UNLISTEN ${channel}`).catch(() => undefined);
      client.release();
    },
  };
}

/**
 * A wake-up that runs `fn` at most once per `ms` (issue 13): a relay woken by
 * a NOTIFY at every commit takes the rows of many commits in one pass instead
 * of a pass (three statements) per ticket. `cancel` drops a pending run.
 */
export function batchedWake(fn: () => void, ms: number): { wake(): void; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  return {
    wake() {
      if (timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        fn();
      }, ms);
      timer.unref();
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
