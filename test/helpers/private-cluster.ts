import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { freePort } from './private-redis.js';

const run = promisify(execFile);

/**
 * A 3-master Redis Cluster of the test's own on loopback (never the shared
 * Redis): three `redis-server --cluster-enabled yes` on free ports in a temp
 * directory, joined by `redis-cli --cluster create … --cluster-replicas 0`.
 * No persistence; `stop()` kills the three and removes the directory.
 */
export interface PrivateCluster {
  /** `host:port` of each master: REDIS_CLUSTER_NODES. */
  nodes: string[];
  /** REDIS_URL for credentials (none here). */
  url: string;
  /** A client of the cluster (the caller disconnects it). */
  client(): Cluster;
  stop(): Promise<void>;
}

async function ping(port: number, deadlineMs: number): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const r = new Redis(port, '127.0.0.1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    r.on('error', () => undefined); // refused until redis-server listens
    try {
      await r.connect();
      if ((await r.ping()) === 'PONG') return;
    } catch {
      if (Date.now() > end) throw new Error(`redis-server on ${port} did not start`);
      await new Promise((res) => setTimeout(res, 50));
    } finally {
      r.disconnect();
    }
  }
}

export async function startPrivateCluster(extraArgs: string[] = []): Promise<PrivateCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'tqc-cluster-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const children: ChildProcess[] = ports.map((port) =>
    spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        '2000',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
        ...extraArgs,
      ],
      { stdio: 'ignore' },
    ),
  );
  const stop = async () => {
    await Promise.all(
      children.map(async (c) => {
        if (c.exitCode !== null || c.signalCode !== null) return;
        c.kill('SIGKILL');
        await once(c, 'exit');
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(ports.map((p) => ping(p, 10_000)));
    const nodes = ports.map((p) => `127.0.0.1:${p}`);
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes,
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    // Every node must agree the cluster is up (all 16384 slots covered) before clients use it.
    const end = Date.now() + 20_000;
    for (const port of ports) {
      for (;;) {
        const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info']);
        if (/cluster_state:ok/.test(stdout)) break;
        if (Date.now() > end) throw new Error(`cluster node ${port} not ok: ${stdout}`);
        await new Promise((res) => setTimeout(res, 100));
      }
    }
    return {
      nodes,
      url: `redis://${nodes[0]}`,
      client: () => {
        const c = new Cluster(
          ports.map((port) => ({ host: '127.0.0.1', port })),
          { redisOptions: { maxRetriesPerRequest: 1 } },
        );
        c.on('error', () => undefined);
        return c;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Deletes every key under `prefix:` on each master of a cluster. */
export async function cleanClusterPrefix(cluster: Cluster, prefix: string): Promise<void> {
  for (const node of cluster.nodes('master')) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      // One DEL per key: keys of different slots cannot share a command.
      for (const k of keys) await node.del(k);
    } while (cursor !== '0');
  }
}
