import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '@ticket-qc/anthropic-simulator';
import { startPrivateCluster } from '../helpers/private-cluster.js';
import { freePort, startPrivateRedis } from '../helpers/private-redis.js';
import {
  cleanPrefix,
  createDb,
  fleetEnv,
  load,
  type Proc,
  type RedisAt,
  settle,
  spawnProc,
  stop,
  type Tally,
  tally,
  until,
} from './fleet.js';

/**
 * `npm run chaos` (full profile) / `npm run chaos -- --short` (CI, under a
 * minute) / `npm run chaos -- <scenario>…`. Each scenario runs a real fleet
 * (API process with the reconciler, QC worker processes, the Anthropic
 * simulator), breaks something while tickets arrive, and prints what the
 * operator cares about. Exits 1 when anything is lost, duplicated or paid for
 * without a record. The simulator grades from context/ rules; its figures say
 * nothing about grading quality. Results: RELIABILITY.md.
 */

const args = process.argv.slice(2);
const short = args.includes('--short');
const only = args.filter((a) => !a.startsWith('--'));
/** `--tickets=N`: the kill9 full profile with N tickets instead of 5,000 (what a shared machine finishes). */
const ticketsArg = Number(
  /^--tickets=(\d+)$/.exec(args.find((a) => a.startsWith('--tickets=')) ?? '')?.[1],
);
const SHARED_PG = process.env.CHAOS_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SHARED_REDIS = process.env.CHAOS_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Ctx {
  dbServer: string;
  redisUrl: RedisAt;
  workers: number;
  tickets: number;
  extra?: Record<string, string>;
  sim?: Parameters<typeof startSimulator>[0];
  /** Breaks things while the load runs; resolves when done breaking. */
  during?: (f: Fleet) => Promise<string[]>;
}

interface Fleet {
  api: Proc;
  workers: Proc[];
  spawnWorker(): Proc;
  apiUrl: string;
  sent: () => number;
  respawnApi(): Promise<void>;
}

async function runFleet(
  name: string,
  c: Ctx,
): Promise<Tally & { notes: string[]; seconds: number }> {
  const started = Date.now();
  const sim = await startSimulator({ seed: 42, noise: 0, requestLogLimit: 1_000_000, ...c.sim });
  const db = await createDb(c.dbServer);
  const prefix = `{tqc-chaos-${randomBytes(3).toString('hex')}}`;
  const apiPort = await freePort();
  const env = fleetEnv({
    dbUrl: db.url,
    redisUrl: c.redisUrl,
    prefix,
    simUrl: sim.url,
    apiPort,
    extra: c.extra ?? {},
  });
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const startApi = async () => {
    const api = spawnProc('api', 'workers/api.ts', env);
    await until('api up', async () => (await fetch(`${apiUrl}/healthz`)).ok, 30_000);
    return api;
  };
  let sentCount = 0;
  const fleet: Fleet = {
    api: await startApi(),
    workers: [],
    apiUrl,
    sent: () => sentCount,
    spawnWorker() {
      const w = spawnProc(`worker-${fleet.workers.length}`, 'workers/qc-worker.ts', env);
      fleet.workers.push(w);
      return w;
    },
    async respawnApi() {
      await stop(fleet.api);
      fleet.api = await startApi();
    },
  };
  for (let i = 0; i < c.workers; i++) fleet.spawnWorker();
  const notes: string[] = [];
  try {
    const loadDone = load(apiUrl, name, c.tickets, {
      concurrency: 8,
      deadlineMs: 180_000,
      onSent: () => {
        sentCount++;
      },
    });
    if (c.during) notes.push(...(await c.during(fleet)));
    const l = await loadDone;
    if (l.refusedThenRetried)
      notes.push(`${l.refusedThenRetried} webhook answers were 503/none and retried`);
    await settle(db, c.redisUrl, prefix, c.tickets, short ? 60_000 : 300_000);
  } finally {
    await Promise.all([...fleet.workers.map((w) => stop(w)), stop(fleet.api)]);
  }
  const result: Tally = await tally(db, c.redisUrl, prefix, sim);
  const crashed = fleet.workers.filter((w) => w.output().includes('"level":60')).length;
  if (crashed) notes.push(`${crashed} worker(s) logged fatal`);
  await cleanPrefix(c.redisUrl, prefix);
  await db.drop();
  await sim.close();
  return { ...result, notes, seconds: Math.round((Date.now() - started) / 1000) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function kill9(): Promise<Awaited<ReturnType<typeof runFleet>>> {
  const n = short ? 80 : ticketsArg > 0 ? ticketsArg : 5_000;
  return runFleet('kill9', {
    dbServer: SHARED_PG,
    redisUrl: SHARED_REDIS,
    workers: short ? 2 : 4,
    tickets: n,
    sim: { latencyMs: 150, latencyJitterMs: 150 },
    async during(f) {
      let kills = 0;
      const until = Date.now() + (short ? 8_000 : 120_000);
      while (Date.now() < until) {
        await sleep(short ? 3_000 : 4_000);
        const live = f.workers.filter(
          (w) => w.child.exitCode === null && w.child.signalCode === null,
        );
        const victim = live[Math.floor(Math.random() * live.length)];
        if (!victim) continue;
        victim.child.kill('SIGKILL');
        await victim.exited;
        kills++;
        f.spawnWorker();
      }
      return [`${kills} workers killed with SIGKILL and replaced`];
    },
  });
}

async function redisRestart() {
  const redis = await startPrivateRedis();
  try {
    return await runFleet('redis-restart', {
      dbServer: SHARED_PG,
      redisUrl: redis.url,
      workers: 2,
      tickets: short ? 60 : 1_000,
      sim: { latencyMs: 100 },
      async during(f) {
        await until('a third sent', async () => f.sent() >= (short ? 20 : 300), 60_000);
        await redis.stop();
        await sleep(1_000);
        // Same port, no persistence: every queued job is gone.
        const child = spawn(
          'redis-server',
          ['--port', String(redis.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
          { stdio: 'ignore' },
        );
        restarted = child;
        return ['Redis killed and restarted empty (no persistence) mid-run'];
      },
    });
  } finally {
    restarted?.kill('SIGKILL');
    await redis.stop();
  }
}
let restarted: ReturnType<typeof spawn> | undefined;

async function eviction() {
  const notes: string[] = [];
  const redis = await startPrivateRedis([
    '--maxmemory',
    '8mb',
    '--maxmemory-policy',
    'allkeys-lru',
  ]);
  try {
    // Refused: worker and serve exit 78 and say why.
    const env = {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      REDIS_URL: redis.url,
      QUEUE_PREFIX: '{tqc-chaos-refuse}',
      PORT: String(await freePort()),
      LOG_LEVEL: 'info',
    };
    for (const script of ['workers/qc-worker.ts', 'workers/api.ts']) {
      const p = spawnProc(script, script, env);
      const code = await p.exited;
      const said = p.output().includes('redis_eviction_refused');
      notes.push(
        `${script} on allkeys-lru: exit ${code}${said ? ', redis_eviction_refused logged' : ''}`,
      );
      if (code !== 78 || !said) throw new Error(`${script} did not refuse an evicting Redis`);
    }
    const r = await runFleet('eviction', {
      dbServer: SHARED_PG,
      redisUrl: redis.url,
      workers: 2,
      tickets: short ? 60 : 1_000,
      extra: { QC_ALLOW_EVICTION: '1' },
      sim: { latencyMs: 100 },
      async during(f) {
        // Memory pressure: junk keys until Redis evicts (queue keys included).
        const { Redis } = await import('ioredis');
        const c = new Redis(redis.url);
        await until('some sent', async () => f.sent() >= 10, 60_000);
        const blob = 'x'.repeat(50_000);
        for (let i = 0; i < 400; i++) await c.set(`junk:${i}`, blob);
        const info = await c.info('stats');
        c.disconnect();
        return [
          `QC_ALLOW_EVICTION=1; junk written; ${/evicted_keys:(\d+)/.exec(info)?.[1]} keys evicted`,
        ];
      },
    });
    return { ...r, notes: [...notes, ...r.notes] };
  } finally {
    await redis.stop();
  }
}

/** A private PostgreSQL cluster (initdb as the `postgres` OS user when run as root). */
async function privatePg(): Promise<{
  url: string;
  ctl: (...a: string[]) => void;
  stop: () => void;
}> {
  const bin = execFileSync('sh', ['-c', 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1'], {
    encoding: 'utf8',
  }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'tqc-chaos-pg-'));
  const port = await freePort();
  const asPg = process.getuid?.() === 0;
  const run = (cmd: string, ...a: string[]) =>
    asPg
      ? execFileSync('runuser', ['-u', 'postgres', '--', `${bin}/${cmd}`, ...a], {
          stdio: 'ignore',
        })
      : execFileSync(`${bin}/${cmd}`, a, { stdio: 'ignore' });
  if (asPg) execFileSync('chown', ['postgres', dir]);
  run('initdb', '-D', `${dir}/data`, '-U', 'postgres', '-A', 'trust', '--no-sync');
  const ctl = (...a: string[]) =>
    run(
      'pg_ctl',
      '-D',
      `${dir}/data`,
      '-l',
      `${dir}/log`,
      '-w',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      ...a,
    );
  ctl('start');
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    ctl,
    stop() {
      try {
        ctl('stop', '-m', 'immediate');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

async function pgRestart() {
  const pgc = await privatePg();
  try {
    return await runFleet('pg-restart', {
      dbServer: pgc.url,
      redisUrl: SHARED_REDIS,
      workers: 2,
      tickets: short ? 60 : 1_000,
      sim: { latencyMs: 100 },
      async during(f) {
        await until('some sent', async () => f.sent() >= (short ? 15 : 200), 60_000);
        pgc.ctl('restart', '-m', 'fast');
        await until('more sent', async () => f.sent() >= (short ? 35 : 500), 60_000);
        pgc.ctl('restart', '-m', 'immediate');
        const alive = [f.api, ...f.workers].filter((p) => p.child.exitCode === null).length;
        return [
          `PostgreSQL restarted -m fast, then -m immediate, under webhook load; ${alive}/${f.workers.length + 1} processes still running`,
        ];
      },
    });
  } finally {
    pgc.stop();
  }
}

async function faultStorm() {
  return runFleet('fault-storm', {
    dbServer: SHARED_PG,
    redisUrl: SHARED_REDIS,
    workers: 2,
    tickets: short ? 60 : 1_000,
    sim: {
      faults: {
        overloaded: 0.15,
        serverError: 0.1,
        hang: 0.03,
        hangMs: 8_000,
        schemaBreak: 0.05,
      },
      rateLimits: {
        requestsPerMinute: short ? 400 : 600,
        inputTokensPerMinute: 0,
        outputTokensPerMinute: 0,
      },
    },
  }).then((r) => ({
    ...r,
    notes: [
      ...r.notes,
      'faults: 529 15%, 500 10%, hang 3% (8 s > 5 s timeout), schema-breaking 5%, 429 with retry-after above the rate limit',
    ],
  }));
}

/** The fleet on a private 3-master Redis Cluster (REDIS_CLUSTER_NODES, hash-tagged prefix), a worker killed mid-run. */
async function cluster() {
  const rc = await startPrivateCluster();
  try {
    const r = await runFleet('cluster', {
      dbServer: SHARED_PG,
      redisUrl: { url: rc.url, clusterNodes: rc.nodes },
      workers: 2,
      tickets: short ? 60 : 1_000,
      sim: { latencyMs: 100, latencyJitterMs: 100 },
      async during(f) {
        await until('a third sent', async () => f.sent() >= (short ? 20 : 300), 60_000);
        const victim = f.workers[0];
        if (!victim) return [];
        victim.child.kill('SIGKILL');
        await victim.exited;
        f.spawnWorker();
        // Evidence the fleet runs on the cluster: the queue's keys, per master.
        const admin = rc.client();
        if (admin.status !== 'ready') await once(admin, 'ready');
        const perMaster: number[] = [];
        for (const node of admin.nodes('master')) {
          const [, keys] = await node.scan('0', 'MATCH', '{tqc-chaos-*', 'COUNT', 100_000);
          perMaster.push(keys.length);
        }
        admin.disconnect();
        return [
          'one worker killed with SIGKILL and replaced',
          `queue keys per master mid-run: ${perMaster.join(' / ')} (hash tag: one slot)`,
        ];
      },
    });
    return {
      ...r,
      notes: [
        `3-master Redis Cluster on loopback (${rc.nodes.join(', ')}), REDIS_CLUSTER_NODES, prefix {tqc-chaos-…}`,
        ...r.notes,
      ],
    };
  } finally {
    await rc.stop();
  }
}

const SCENARIOS: Record<string, () => Promise<Awaited<ReturnType<typeof runFleet>>>> = {
  kill9,
  'redis-restart': redisRestart,
  eviction,
  'pg-restart': pgRestart,
  'fault-storm': faultStorm,
  cluster,
};
// Under a minute on a shared 2-core machine (38 s measured, RELIABILITY.md). pg-restart,
// redis-restart and fault-storm run on demand.
const SHORT = ['kill9', 'cluster', 'eviction'];

const names = only.length ? only : short ? SHORT : Object.keys(SCENARIOS);
let bad = 0;
for (const name of names) {
  const fn = SCENARIOS[name];
  if (!fn) {
    console.error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`);
    process.exit(2);
  }
  const r = await fn();
  const ok = r.lost === 0 && r.duplicated === 0 && r.unrecordedPaid === 0;
  if (!ok) bad++;
  console.log(
    [
      `${ok ? 'PASS' : 'FAIL'} ${name} (${r.seconds} s${short ? ', short profile' : ''})`,
      `  tickets in ${r.ticketsIn}, graded exactly once ${r.gradedOnce}, duplicated ${r.duplicated}, lost ${r.lost}, dead-lettered ${r.deadLettered}`,
      ...Object.entries(r.deadReasons).map(([k, v]) => `    dead: ${v} × ${k}`),
      `  paid calls answered ${r.paidAnswered}, recorded ${r.paidRecorded} (of which estimated ${r.estimated}), unrecorded ${r.unrecordedPaid}`,
      ...r.lostDetails.map((d) => `    lost: ${d}`),
      ...r.notes.map((n) => `  note: ${n}`),
    ].join('\n'),
  );
}
process.exit(bad ? 1 : 0);
