import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { type Pipeline, spawnWorker, startPipeline, waitFor } from '../helpers/pipeline.js';

/**
 * Issue 10, defect 9: during a Redis outage the worker printed hundreds of
 * non-JSON stack-trace lines (BullMQ's console.error of an unlistened 'error')
 * into its pino stream. Every line a process writes must be one JSON object.
 * The outage is a private redis-server on its own port, killed mid-run.
 */

let db: TestDb;
let sim: Simulator;
let pipeline: Pipeline;
const children: ChildProcess[] = [];

async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  return port;
}

async function privateRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d;
  });
  await waitFor('private redis ready', async () => out.includes('Ready to accept connections'));
  return child;
}

beforeAll(async () => {
  sim = await startSimulator({ seed: 9, noise: 0 });
  db = await createTestDb();
  pipeline = await startPipeline(db, sim.url);
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});
afterAll(async () => {
  await pipeline.close();
  await sim.close();
  await db.drop();
});

describe('worker logs during a Redis outage', () => {
  it('every line on stdout and stderr is one JSON object', async () => {
    const port = await freePort();
    const redis = await privateRedis(port);
    const worker = spawnWorker(pipeline, db.url, sim.url, {
      REDIS_URL: `redis://127.0.0.1:${port}`,
    });
    try {
      await waitFor('worker started', async () => worker.output().includes('qc worker started'));
      redis.kill('SIGKILL');
      // Reconnect attempts fail for a while: the reconnect log line is the event;
      // the old code printed a stack trace per attempt by then.
      await waitFor('redis outage logged', async () =>
        worker.output().includes('redis connection error (reconnecting)'),
      );
      await waitFor('several reconnect attempts', async () => {
        const attempts = worker.output().split('ECONNREFUSED').length - 1;
        return attempts >= 3;
      });
    } finally {
      worker.kill('SIGKILL');
      await worker.exited;
    }
    const lines = worker
      .output()
      .split('\n')
      .filter((l) => l.trim() !== '');
    const notJson = lines.filter((l) => {
      try {
        return typeof JSON.parse(l) !== 'object';
      } catch {
        return true;
      }
    });
    expect(lines.length).toBeGreaterThan(2);
    expect(notJson).toEqual([]);
  });
});
